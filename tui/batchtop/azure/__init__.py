"""Follow a job in an Azure ML workspace: the Azure byte source and what it needs.

Modules, one concern each: `workspace` (which subscription/resource group/workspace),
`credentials` (sign-in), `session` (MLClient and error classification), `jobs` (find the job and
its parallel step), `store` (where its logs are in blob storage), `source` (list + ranged reads
of new bytes), `mirror` (`--save DIR` and resume), `follow` (adaptive polling and backoff),
`run` (CLI glue: `--once`, opening a job), `flags` (the command-line flags), `errors` (the
exit-code-3 error and secret redaction).

Nothing is imported here: `batchtop --dir` imports `batchtop.azure.flags` for its parser and
must not load the Azure SDK on the way (about 0.35 s); import the module you need.
"""
