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
    threads: 2
    shell:
        "{PYTHON} --threads {threads} prepare --dataset {wildcards.dataset:q} --raw-dir {RAW:q}"
        " --params {params.options:q} --out {output:q} > {log:q} 2>&1"
