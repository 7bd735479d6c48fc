// EventStoreShell module.
