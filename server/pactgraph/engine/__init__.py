"""SPARQL evaluation: the store, the outbound-request policy, the killable query pool and its
network-less workers, the answer writers."""
