-- Lambda: asynchronous invocation configuration (PutFunctionEventInvokeConfig):
-- JSON {"retries","max_age","on_success","on_failure","modified"} or empty.
ALTER TABLE lambda_function ADD COLUMN eic TEXT NOT NULL DEFAULT '';
