def job_name():
    return "packaged"
