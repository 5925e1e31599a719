"""Follow a job in an Azure ML workspace: the Azure byte source and what it needs.

Modules, one concern each: `workspace` (which subscription/resource group/workspace),
`credentials` (sign-in), `session` (MLClient and error classification), `jobs` (find the job and
its parallel step), `store` (where its logs are in blob storage), `source` (list + ranged reads
of new bytes), `mirror` (`--save DIR` and resume), `follow` (adaptive polling and backoff),
`run` (CLI glue: flags, `--once`), `errors` (the exit-code-3 error and secret redaction).
"""

from batchtop.azure.errors import EXIT_AZURE, AzureError, redact
from batchtop.azure.follow import FollowStatus, PollTimer
from batchtop.azure.run import AzureTarget, add_azure_arguments, open_job, run_once
from batchtop.azure.source import AzureSource, Chunk, deliver

__all__ = [
    "EXIT_AZURE",
    "AzureError",
    "AzureSource",
    "AzureTarget",
    "Chunk",
    "FollowStatus",
    "PollTimer",
    "add_azure_arguments",
    "deliver",
    "open_job",
    "redact",
    "run_once",
]
