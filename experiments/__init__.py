"""Experiments on the model, one command each: ``python -m experiments COMMAND [options]`` (``--help`` lists them).

| folder | what |
|---|---|
| ``sweeps/`` | experiment presets run as Hydra sweeps and their reports; sensitivity analyses |
| ``calibration/`` | the targets (observed England, the seeds' patterns), the distance, the Bayesian calibration, the cut-offs |
| ``validation/`` | the replay of 2013-2022 against history, the seeds' patterns, long-run bounds, published effects |
| ``performance/`` | benchmarks and profiles (``make bench``) |
"""
