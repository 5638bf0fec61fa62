"""Events persisted in the DynamoDB table named by ``EVENTS_TABLE`` (hash key ``id``)."""

from __future__ import annotations

import decimal
from typing import Any, Dict, Optional

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()

THROTTLING_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
    }
)


class EventExistsError(Exception):
    """An event with this id is already stored."""


class StoreUnavailableError(Exception):
    """DynamoDB throttled the request; the client may retry."""


class StoreError(Exception):
    """Any other DynamoDB failure (missing table, access denied, ...)."""


def to_json_value(value: Any) -> Any:
    """Convert a deserialised DynamoDB value to JSON-ready Python (Decimal -> int/float)."""
    if isinstance(value, dict):
        return {k: to_json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_value(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(to_json_value(v) for v in value)
    if isinstance(value, decimal.Decimal):
        if value == value.to_integral_value() and "E" not in str(value) and "." not in str(value):
            return int(value)
        return float(value)
    if isinstance(value, (bytes, bytearray)):
        return value.decode("utf-8", "replace")
    return value


def _wrap(err: ClientError, action: str) -> Exception:
    code = err.response.get("Error", {}).get("Code", "")
    if code in THROTTLING_CODES:
        return StoreUnavailableError(f"{action}: DynamoDB throttled the request ({code})")
    message = err.response.get("Error", {}).get("Message", "")
    return StoreError(f"{action}: {code or 'ClientError'}: {message}".rstrip(": "))


class EventStore:
    """Create and fetch events with a low-level DynamoDB client."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self.table_name = table_name

    def create(self, event: Dict[str, Any]) -> None:
        """Store ``event`` unless its id exists (raises EventExistsError then)."""
        item = {k: _SERIALIZER.serialize(v) for k, v in event.items()}
        try:
            self._client.put_item(
                TableName=self.table_name,
                Item=item,
                ConditionExpression="attribute_not_exists(#id)",
                ExpressionAttributeNames={"#id": "id"},
            )
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise EventExistsError(event["id"]) from None
            raise _wrap(err, f"put event {event['id']!r} into table {self.table_name!r}") from err

    def get(self, event_id: str) -> Optional[Dict[str, Any]]:
        """The stored event as JSON-ready data, or None when absent."""
        try:
            reply = self._client.get_item(
                TableName=self.table_name,
                Key={"id": {"S": event_id}},
                ConsistentRead=True,
            )
        except ClientError as err:
            raise _wrap(err, f"get event {event_id!r} from table {self.table_name!r}") from err
        item = reply.get("Item")
        if item is None:
            return None
        return to_json_value({k: _DESERIALIZER.deserialize(v) for k, v in item.items()})
