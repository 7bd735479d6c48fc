// EventStoreClient module.
