// The API server library: request pipeline, handlers, storage glue.
