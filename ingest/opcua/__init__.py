"""OPC UA ingest: subscriptions to OPC UA variables feed the same subgroup buffers, batch
store and pipeline as MQTT (``manage.py ingest_opcua``)."""
