namespace Functions.Hosting;

/// <summary>
/// An error as the Runtime API takes it (<c>{"errorType","errorMessage","stackTrace"}</c>) for an
/// invocation or for the init phase.
/// </summary>
public sealed record LambdaError(string ErrorType, string ErrorMessage, IReadOnlyList<string> StackTrace)
{
    /// <summary>The error type reported when the function fails before it can take invocations.</summary>
    public const string InitErrorType = "Runtime.InitError";

    /// <summary>An invocation error: the exception's full type name, its message and its stack trace lines.</summary>
    public static LambdaError FromException(Exception exception) =>
        new(exception.GetType().FullName ?? exception.GetType().Name, exception.Message, StackTraceLines(exception));

    /// <summary>An init error (<see cref="InitErrorType"/>) whose message names the exception that stopped the start.</summary>
    public static LambdaError FromInitException(Exception exception) =>
        new(InitErrorType, $"{exception.GetType().FullName}: {exception.Message}", StackTraceLines(exception));

    private static string[] StackTraceLines(Exception exception) =>
        exception.StackTrace?.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) ?? [];
}
