"""What `sam local invoke --env-vars events/env.json` hands each function, computed by the SAM
CLI's own code, up to where it would start the container (there is no Docker here).

The SAM CLI passes a function only the variables the template declares; this checks that every
variable env.json sets reaches every function with env.json's value, so that `sam local` talks to
the local services and never to AWS. Run with .venv's Python: `python infra/sam-local-env.py`.
"""

import json
import sys
from pathlib import Path

from samcli.commands.local.lib.local_lambda import LocalLambdaRunner
from samcli.lib.providers.sam_function_provider import SamFunctionProvider
from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider

root = Path(__file__).resolve().parent.parent
template = str(root / "template.yaml")
env_file = json.loads((root / "events" / "env.json").read_text())
wanted = env_file["Parameters"]
# The parameters a deploy must give; their values do not matter here.
overrides = {"SenderEmail": "noreply@example.com", "PublicBaseUrl": "https://onboard.example.com"}

stacks, _ = SamLocalStackProvider.get_stacks(template, parameter_overrides=overrides)
provider = SamFunctionProvider(stacks)
runner = LocalLambdaRunner(
    local_runtime=None,
    function_provider=provider,
    cwd=str(root),
    real_path=str(root),
    env_vars_values=env_file,
    aws_profile=None,
    aws_region="us-east-1",
)
functions = sorted(f.name for f in provider.get_all())
if len(functions) != 4:
    sys.exit(f"error: expected four functions in template.yaml, found {functions}")
failures = []
for name in functions:
    env = runner._make_env_vars(provider.get(name)).resolve()
    for var, value in wanted.items():
        if env.get(var) != value:
            failures.append(f"{name}: {var} is {env.get(var)!r}, env.json says {value!r}")
if failures:
    sys.exit("error: sam local would not pass env.json through:\n  " + "\n  ".join(failures))
print(f"sam local: env.json's {len(wanted)} variables reach {', '.join(functions)}")
