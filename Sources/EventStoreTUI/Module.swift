// EventStoreTUI module.
