"""Monthly standing of consultancies and review agencies, the flag model and due process.

Pure logic: nothing here touches a database or the network, so the same code serves the gRPC
servicer, the monthly bulletin job, the benchmark and the tests.
"""
