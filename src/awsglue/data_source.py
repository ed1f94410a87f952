"""``DataSource``: what ``GlueContext.getSource`` returns, read with ``getFrame``."""

from .dynamicframe import DynamicFrame


class DataSource:
    """``getSource``'s reader: ``setFormat`` then ``getFrame``."""

    def __init__(
        self,
        ctx,
        connection_type: str,
        options: dict,
        format: str | None,
        transformation_ctx: str,
        push_down_predicate: str,
    ):  # noqa: A002
        self._ctx, self.connection_type, self.options = ctx, connection_type, options
        self.format, self.format_options = format, {}
        self.transformation_ctx, self.push_down_predicate = transformation_ctx, push_down_predicate

    def setFormat(self, format: str, **options) -> None:  # noqa: N802, A002 (AWS's names)
        self.format, self.format_options = format, options

    def getFrame(self, **kwargs) -> DynamicFrame:  # noqa: N802 (AWS's name)
        return self._ctx.create_dynamic_frame_from_options(
            self.connection_type,
            self.options,
            self.format,
            self.format_options,
            self.transformation_ctx,
            self.push_down_predicate,
        )
