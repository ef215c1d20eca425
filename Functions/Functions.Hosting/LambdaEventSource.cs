namespace Functions.Hosting;

/// <summary>Which API Gateway sends the function its HTTP requests, and so which payload format it speaks.</summary>
public enum LambdaEventSource
{
    /// <summary>An HTTP API: payload format 2.0.</summary>
    HttpApi,

    /// <summary>A REST API with a Lambda proxy integration: payload format 1.0.</summary>
    RestApi,
}
