# Acquisition (download or mirror, verify, record in DVC) and preparation of every dataset.


rule acquire:
    output:
        raw=directory(P.path("raw")),
        record=P.path("raw_record"),
    params:
        spec=WF.acquire,
    log:
        P.log("raw_record"),
    resources:
        dvc=1,
    shell:
        "{PYTHON} acquire {params.spec:q} > {log:q} 2>&1"


rule prepare:
    input:
        # DVC resets mtimes on pull, so the raw folder's own mtime must not trigger work; its
        # content is pinned by the .dvc record, which only changes when the data does.
        raw=ancient(P.path("raw")),
        record=P.path("raw_record"),
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
