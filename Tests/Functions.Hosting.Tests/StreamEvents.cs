namespace Functions.Hosting.Tests;

/// <summary>DynamoDB Streams events as Lambda delivers them (see the Lambda developer guide's DynamoDB example event).</summary>
public static class StreamEvents
{
    /// <summary>Three records; the second (sequence number 222) asks the test handler to fail it.</summary>
    public const string BatchWithOneFailingRecord = """
        {
          "Records": [
            {
              "eventID": "c4ca4238a0b923820dcc509a6f75849b",
              "eventName": "INSERT",
              "eventVersion": "1.1",
              "eventSource": "aws:dynamodb",
              "awsRegion": "us-east-1",
              "dynamodb": {
                "ApproximateCreationDateTime": 1428537600,
                "Keys": { "PK": { "S": "MATCH#1" }, "SK": { "S": "MATCH" } },
                "NewImage": { "PK": { "S": "MATCH#1" }, "SK": { "S": "MATCH" }, "fail": { "BOOL": false } },
                "SequenceNumber": "111",
                "SizeBytes": 26,
                "StreamViewType": "NEW_AND_OLD_IMAGES"
              },
              "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/leaderboard/stream/2015-06-27T00:48:05.899"
            },
            {
              "eventID": "c81e728d9d4c2f636f067f89cc14862c",
              "eventName": "MODIFY",
              "eventVersion": "1.1",
              "eventSource": "aws:dynamodb",
              "awsRegion": "us-east-1",
              "dynamodb": {
                "ApproximateCreationDateTime": 1428537601,
                "Keys": { "PK": { "S": "MATCH#2" }, "SK": { "S": "MATCH" } },
                "NewImage": { "PK": { "S": "MATCH#2" }, "SK": { "S": "MATCH" }, "fail": { "BOOL": true } },
                "OldImage": { "PK": { "S": "MATCH#2" }, "SK": { "S": "MATCH" } },
                "SequenceNumber": "222",
                "SizeBytes": 59,
                "StreamViewType": "NEW_AND_OLD_IMAGES"
              },
              "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/leaderboard/stream/2015-06-27T00:48:05.899"
            },
            {
              "eventID": "eccbc87e4b5ce2fe28308fd9f2a7baf3",
              "eventName": "REMOVE",
              "eventVersion": "1.1",
              "eventSource": "aws:dynamodb",
              "awsRegion": "us-east-1",
              "dynamodb": {
                "ApproximateCreationDateTime": 1428537602,
                "Keys": { "PK": { "S": "MATCH#3" }, "SK": { "S": "MATCH" } },
                "OldImage": { "PK": { "S": "MATCH#3" }, "SK": { "S": "MATCH" } },
                "SequenceNumber": "333",
                "SizeBytes": 38,
                "StreamViewType": "NEW_AND_OLD_IMAGES"
              },
              "userIdentity": { "type": "Service", "principalId": "dynamodb.amazonaws.com" },
              "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/leaderboard/stream/2015-06-27T00:48:05.899"
            }
          ]
        }
        """;

    /// <summary>One record whose new image holds every attribute type.</summary>
    public const string RecordWithEveryAttributeType = """
        {
          "Records": [
            {
              "eventID": "1",
              "eventName": "INSERT",
              "eventVersion": "1.1",
              "eventSource": "aws:dynamodb",
              "awsRegion": "eu-west-1",
              "dynamodb": {
                "ApproximateCreationDateTime": 1700000000,
                "Keys": { "PK": { "S": "PLAYER#ada" } },
                "NewImage": {
                  "name": { "S": "Ada" },
                  "score": { "N": "12345678901234567890.5" },
                  "avatar": { "B": "AAEC/w==" },
                  "tags": { "SS": ["fast", "fair"] },
                  "ranks": { "NS": ["1", "2.5"] },
                  "keys": { "BS": ["AQ==", "Ag=="] },
                  "stats": { "M": { "wins": { "N": "3" }, "region": { "S": "eu" } } },
                  "history": { "L": [{ "S": "won" }, { "N": "7" }] },
                  "retired": { "NULL": true },
                  "active": { "BOOL": true }
                },
                "SequenceNumber": "4421584500000000017450439091",
                "SizeBytes": 120,
                "StreamViewType": "NEW_IMAGE"
              },
              "eventSourceARN": "arn:aws:dynamodb:eu-west-1:123456789012:table/leaderboard/stream/2024-01-01T00:00:00.000"
            }
          ]
        }
        """;
}
