using System.Net.WebSockets;

namespace AppHost.Emulators.WebSockets;

/// <summary>
/// One client connection: its socket, identity and last activity. Sends are serialised (a WebSocket
/// takes one send at a time); the API closes a connection with a close frame and aborts it if the
/// client does not answer the close.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The send lock never creates a wait handle; disposing it while a Management API post may still hold it would race.")]
internal sealed class WebSocketConnection(WebSocket socket, ConnectionIdentity identity)
{
    private static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(2);
    private readonly SemaphoreSlim _sending = new(1, 1);
    private long _lastActiveTicks = identity.ConnectedAt.UtcTicks;

    public ConnectionIdentity Identity { get; } = identity;

    public WebSocket Socket { get; } = socket;

    public DateTimeOffset LastActiveAt => new(Interlocked.Read(ref _lastActiveTicks), TimeSpan.Zero);

    /// <summary>Why the API closed the connection (null: the client closed it or vanished).</summary>
    public (int StatusCode, string Reason)? ClosedByApi { get; private set; }

    public void Touch() => Interlocked.Exchange(ref _lastActiveTicks, DateTimeOffset.UtcNow.UtcTicks);

    /// <summary>Sends one message; false when the connection is no longer open.</summary>
    public async Task<bool> SendAsync(ReadOnlyMemory<byte> message, WebSocketMessageType type, CancellationToken cancellationToken)
    {
        await _sending.WaitAsync(cancellationToken);
        try
        {
            if (Socket.State != WebSocketState.Open)
            {
                return false;
            }
            await Socket.SendAsync(message, type, endOfMessage: true, cancellationToken);
            Touch();
            return true;
        }
        catch (Exception failure) when (failure is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            return false;
        }
        finally
        {
            _sending.Release();
        }
    }

    /// <summary>Completes the close handshake the client started, echoing its close code.</summary>
    public Task AcknowledgeCloseAsync() =>
        SendCloseAsync(Socket.CloseStatus ?? WebSocketCloseStatus.NormalClosure, Socket.CloseStatusDescription);

    /// <summary>Starts the close handshake from the API's side; the receive loop ends when the client answers (or is aborted).</summary>
    public async Task CloseAsync(WebSocketCloseStatus status, string reason)
    {
        ClosedByApi ??= ((int)status, reason);
        await SendCloseAsync(status, reason);
        _ = AbortUnlessClosedAsync();
    }

    /// <summary>Sends the close frame, in turn with messages, unless the connection is already closing from this side.</summary>
    private async Task SendCloseAsync(WebSocketCloseStatus status, string? reason)
    {
        await _sending.WaitAsync();
        try
        {
            if (Socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await Socket.CloseOutputAsync(status, reason, CancellationToken.None);
            }
        }
        catch (Exception failure) when (failure is WebSocketException or ObjectDisposedException)
        {
            // Already gone (or the client did not wait for the answer): the receive loop sees it.
        }
        finally
        {
            _sending.Release();
        }
    }

    private async Task AbortUnlessClosedAsync()
    {
        await Task.Delay(CloseHandshakeTimeout);
        if (Socket.State != WebSocketState.Closed)
        {
            Socket.Abort();
        }
    }
}
