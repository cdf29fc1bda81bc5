# The M2VAE study (config `studies: [m2vae]`): the generated datasets (MoG, e-MNIST from two CVAEs,
# me-MNIST), M2VAE, tVAE and JMVAE-Zero on them, the alpha-beta sweep, the JMVAE dataset check, their
# measures and figures. Which files a config asks for, and what each rule takes, is in
# crossmodal.studies.m2vae.plan.

from crossmodal.studies.m2vae import plan as m2vae


rule m2vae_generate_mog:
    output:
        P.path("m2vae_dataset", dataset="mog"),
    params:
        spec=lambda w: m2vae.generate_mog(WF),
        code=m2vae.CODE["data"],
    log:
        P.log("m2vae_dataset", dataset="mog"),
    benchmark:
        P.benchmark("m2vae_dataset", dataset="mog")
    shell:
        "{PYTHON} --threads 1 m2vae-generate-mog {params.spec:q} > {log:q} 2>&1"


# The e-MNIST generators: a CVAE on each shared prepared dataset (seeded by m2vae.data_seed).
rule m2vae_train_cvae:
    input:
        P.path("prepared"),
    output:
        model=P.path("m2vae_cvae"),
        summary=P.summary("m2vae_cvae"),
    wildcard_constraints:
        dataset="mnist|fashion_mnist",
    params:
        spec=lambda w: m2vae.train_cvae(WF, w),
        code=m2vae.CODE["cvae"],
    log:
        P.log("m2vae_cvae"),
    benchmark:
        P.benchmark("m2vae_cvae")
    threads: 1
    shell:
        "{PYTHON} --threads {threads} m2vae-train-cvae {params.spec:q} > {log:q} 2>&1"


rule m2vae_generate_emnist:
    input:
        P.path("m2vae_cvae", dataset=m2vae.SOURCES["a"]),
        P.path("m2vae_cvae", dataset=m2vae.SOURCES["b"]),
    output:
        P.path("m2vae_dataset", dataset="emnist"),
    params:
        spec=lambda w: m2vae.generate_emnist(WF),
        code=m2vae.CODE["cvae"],
    log:
        P.log("m2vae_dataset", dataset="emnist"),
    benchmark:
        P.benchmark("m2vae_dataset", dataset="emnist")
    shell:
        "{PYTHON} --threads 1 m2vae-generate-emnist {params.spec:q} > {log:q} 2>&1"


rule m2vae_shuffle:
    input:
        P.path("m2vae_dataset", dataset="emnist"),
    output:
        P.path("m2vae_dataset", dataset="me_mnist"),
    params:
        spec=lambda w: m2vae.shuffle(WF),
        code=m2vae.CODE["data"],
    log:
        P.log("m2vae_dataset", dataset="me_mnist"),
    benchmark:
        P.benchmark("m2vae_dataset", dataset="me_mnist")
    shell:
        "{PYTHON} --threads 1 m2vae-shuffle {params.spec:q} > {log:q} 2>&1"


# tVAE's first stage (joint encoder and decoders); its second stage is m2vae_train with this as init.
rule m2vae_train_stage1:
    input:
        P.path("m2vae_dataset"),
    output:
        model=P.path("m2vae_stage1"),
        summary=P.summary("m2vae_stage1"),
    wildcard_constraints:
        method="tvae",
    params:
        spec=lambda w: m2vae.train_stage1(WF, w),
        code=m2vae.CODE["model"],
    log:
        P.log("m2vae_stage1"),
    benchmark:
        P.benchmark("m2vae_stage1")
    threads: 1
    shell:
        "{PYTHON} --threads {threads} m2vae-train {params.spec:q} > {log:q} 2>&1"


rule m2vae_train:
    input:
        unpack(lambda w: m2vae.model_input(WF, w)),
    output:
        model=P.path("m2vae_model"),
        summary=P.summary("m2vae_model"),
    wildcard_constraints:
        method="m2vae|jmvae_zero|tvae|jmvae_kl",
    params:
        spec=lambda w: m2vae.train(WF, w),
        code=m2vae.CODE["model"],
    log:
        P.log("m2vae_model"),
    benchmark:
        P.benchmark("m2vae_model")
    threads: 1
    shell:
        "{PYTHON} --threads {threads} m2vae-train {params.spec:q} > {log:q} 2>&1"


rule m2vae_evaluate:
    input:
        unpack(lambda w: m2vae.evaluation_inputs(WF, w)),
    output:
        metrics=P.path("m2vae_metrics"),
        figure_data=P.path("m2vae_model_data"),
    params:
        spec=lambda w: m2vae.evaluate(WF, w),
        code=m2vae.CODE["evaluate"],
    log:
        P.log("m2vae_metrics"),
    benchmark:
        P.benchmark("m2vae_metrics")
    threads: 1
    shell:
        "{PYTHON} --threads {threads} m2vae-evaluate {params.spec:q} > {log:q} 2>&1"


rule m2vae_data_figure:
    input:
        P.path("m2vae_dataset"),
    output:
        P.path("m2vae_dataset_data"),
    params:
        spec=lambda w: m2vae.data_figure(WF, w),
        code=m2vae.CODE["evaluate"],
    log:
        P.log("m2vae_dataset_data"),
    shell:
        "{PYTHON} --threads 1 m2vae-data-figure {params.spec:q} > {log:q} 2>&1"


rule m2vae_plot:
    input:
        lambda w: m2vae.figure_inputs(WF, w.name),
    output:
        png=P.path("m2vae_figure"),
        pdf=P.plotted("m2vae_figure")["pdf"],
    params:
        spec=lambda w: m2vae.plot(WF, w),
        code=m2vae.CODE["plot"],
    log:
        P.log("m2vae_figure"),
    shell:
        "{PYTHON} --threads 1 m2vae-plot {params.spec:q} > {log:q} 2>&1"
