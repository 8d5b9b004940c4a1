"""Background jobs (decision 48): long work that outlives a request, with progress the user sees.

`tasks.register(name)` declares a task, `services.job_submit` queues one as a `Job` row after
commit; a worker (`jkfp worker`, procrastinate on PostgreSQL) or, on SQLite and with
`JKFP_JOBS_INPROCESS=1`, a thread of the same process runs it. See docs/jobs.md.
"""
