// EventStoreNode module.
