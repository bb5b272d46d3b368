"""Test only: puts the cluster test's fake Telegram and recorded X into Airflow's workers.

On ``PYTHONPATH`` only for the Airflow processes that ``tests/cluster/test_cluster.py``
starts; does nothing unless ``NARRMON_TEST_FAKE_WORLD`` names the activity file.
"""

import os

if os.environ.get("NARRMON_TEST_FAKE_WORLD"):
    from tests.cluster.fake_world import install

    install(os.environ["NARRMON_TEST_FAKE_WORLD"])
