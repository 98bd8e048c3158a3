"""The `.gimlet/` wing: reading the manifests and the repository's vars, and the checks on them (`lint`, `explain`,
and the refusals `ship` makes), all judged by the model of Gimlet's server in `gimlet_ci.gimlet`."""
