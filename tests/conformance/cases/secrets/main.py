import engine_sdk as engine

config = engine.Config()
token = config.require_secret("apiToken")
password = engine.RandomPassword("db", 16, special=False)
engine.CustomResource(
    "AWS::SSM::Parameter",
    "token",
    {"Name": "/conformance/token", "Type": "String", "Value": token.apply(lambda t: "Bearer " + t)},
)
engine.CustomResource(
    "AWS::SSM::Parameter",
    "greeting",
    {"Name": "/conformance/greeting", "Type": "String", "Value": config.require("greeting")},
    engine.ResourceOptions(additional_secret_outputs=["Value"]),
)
engine.CustomResource(
    "AWS::SSM::Parameter",
    "wrapped",
    {"Name": "/conformance/wrapped", "Type": "String", "Value": engine.Output.secret("literal-secret")},
)
engine.export("password", password.result)
engine.export("passwordLength", password.result.apply(len))
engine.export("token", token)
engine.export("mixed", engine.Output.all(token, "plain"))
engine.export("plain", "visible")
