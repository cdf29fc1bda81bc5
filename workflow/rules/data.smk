# Acquisition (download or mirror, verify, record in DVC) and preparation of every dataset.


# The job also writes the DVC record <raw_dir>/<dataset>.dvc, after everything is verified. It is
# not an output: Snakemake deletes a job's outputs before it runs and after it fails, and the record
# is tracked by git, so a failed acquisition would leave it deleted.
rule acquire:
    output:
        raw=directory(P.path("raw")),
        verified=P.path("raw_verified"),
    params:
        spec=WF.acquire,
    log:
        P.log("raw_verified"),
    benchmark:
        P.benchmark("raw_verified")
    resources:
        dvc=1,
    shell:
        "{PYTHON} acquire {params.spec:q} > {log:q} 2>&1"


rule prepare:
    input:
        # DVC resets mtimes on pull, so neither may trigger work by its mtime. The content is
        # checked instead, by the job itself: it refuses raw bytes that are not the verified ones.
        raw=ancient(P.path("raw")),
        verified=ancient(P.path("raw_verified")),
    output:
        P.path("prepared"),
    params:
        spec=WF.prepare,
        code=WF.code["prepare"],
    log:
        P.log("prepared"),
    benchmark:
        P.benchmark("prepared")
    # One thread, like every other rule: a two-thread job waits for both cores to be free at once,
    # which a busy DAG of one-thread jobs never leaves, so it starved behind the training queue.
    threads: 1
    shell:
        "{PYTHON} --threads {threads} prepare {params.spec:q} > {log:q} 2>&1"
