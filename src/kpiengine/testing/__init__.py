"""The plugin author kit: the contract a kpiengine source keeps, as tests you run with pytest.

```python
from kpiengine.testing import SourceContract

class TestMySource(SourceContract):
    source_class = MySource
    columns = {"owner": "string", "amount": "number", "closed_on": "date"}

    @pytest.fixture
    def options(self, tmp_path):
        return {"path": str(make_sample_file(tmp_path))}
```

Also here: `loopback_only()`, the guard the contract runs every test under (sockets may reach
this machine only), and `run_results()`, a whole `kpiengine run` in-process for end-to-end tests.
Needs pytest, which your tests use anyway; kpiengine itself does not import this package.
"""

from __future__ import annotations

import pytest

# Before the modules load, so a failed check shows the values compared, as in your own tests.
pytest.register_assert_rewrite("kpiengine.testing.contract", "kpiengine.testing.tables")

from kpiengine.testing.contract import SourceContract  # noqa: E402
from kpiengine.testing.network import (  # noqa: E402
    NetworkGuard,
    NetworkRefusedError,
    is_loopback,
    loopback_only,
)
from kpiengine.testing.runs import run_results  # noqa: E402
from kpiengine.testing.tables import carries, fetch_table  # noqa: E402

__all__ = [
    "NetworkGuard",
    "NetworkRefusedError",
    "SourceContract",
    "carries",
    "fetch_table",
    "is_loopback",
    "loopback_only",
    "run_results",
]
