"""Events API served by the ``serverless-api`` reference architecture's Lambda.

``POST /events`` stores an event in DynamoDB; ``GET /events/{id}`` fetches it. The
Lambda entry point is ``main.handler`` at the root of the code folder.
"""
