# Acquisition (download or mirror, verify, record in DVC) and preparation of every dataset.


rule acquire:
    output:
        raw=directory(f"{RAW}/{{dataset}}"),
        record=f"{RAW}/{{dataset}}.dvc",
    log:
        f"{LOGS}/acquire/{{dataset}}.log",
    resources:
        dvc=1,
    shell:
        "{PYTHON} acquire --dataset {wildcards.dataset:q} --raw-dir {RAW:q} > {log:q} 2>&1"


rule prepare:
    input:
        # DVC resets mtimes on pull, so the raw folder's own mtime must not trigger work; its
        # content is pinned by the .dvc record, which only changes when the data does.
        raw=ancient(f"{RAW}/{{dataset}}"),
        record=f"{RAW}/{{dataset}}.dvc",
    output:
        prepared("{dataset}"),
    params:
        options=prepare_params,
        code=CODE["prepare"],
    log:
        f"{LOGS}/prepare/{{dataset}}.log",
    benchmark:
        f"{BENCH}/prepare/{{dataset}}.tsv"
    # One thread, like every other rule: a two-thread job waits for both cores to be free at once,
    # which a busy DAG of one-thread jobs never leaves, so it starved behind the training queue.
    threads: 1
    shell:
        "{PYTHON} --threads {threads} prepare --dataset {wildcards.dataset:q} --raw-dir {RAW:q}"
        " --params {params.options:q} --out {output:q} > {log:q} 2>&1"
