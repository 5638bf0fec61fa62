import engine_sdk as engine

engine.CustomResource("AWS::SQS::Queue", "jobs", {"QueueName": "conformance-jobs"})
engine.CustomResource("AWS::SQS::Queue", "jobs", {"QueueName": "conformance-jobs-2"})
