namespace AppHost.Emulators.Lambda;

/// <summary>A function failed its init phase; the error type is Lambda's (<c>Runtime.InitError</c>, <c>Runtime.ExitError</c>).</summary>
public sealed class FunctionInitException(string errorType, string message, string lastOutput) : Exception(message)
{
    public string ErrorType { get; } = errorType;

    public string LastOutput { get; } = lastOutput;
}
