"""The write path: every sample (form, REST, MQTT, import) is stored by ``process``.

``process`` evaluates and stores; ``windows``, ``locked_rows`` and ``bulk_rows`` keep it
fast; ``events`` and ``signals`` tell the live pages and other apps after commit;
``limit_changes`` changes what a chart is judged against (limits, exclusions).
"""
