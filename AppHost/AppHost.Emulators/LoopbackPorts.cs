using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace AppHost.Emulators;

/// <summary>
/// Free ports on 127.0.0.1 for a process that binds them later (DynamoDB Local, an emulator started after
/// the app is declared). A port the OS hands out for port 0 comes from its ephemeral range, the range
/// it also draws the local port of every outgoing connection from: in the seconds until the process
/// binds, any client connection on the machine can take it, and the start fails with "address in use".
/// So the port is picked below that range, where only a process binding it on purpose takes it.
/// </summary>
public static class LoopbackPorts
{
    /// <summary>The lowest port picked: above the registered ports that development tools tend to use by default.</summary>
    private const int Lowest = 10_000;

    /// <summary>The first ephemeral port of Windows and macOS (IANA's dynamic range), and of Linux when its range cannot be read.</summary>
    private const int DefaultEphemeralStart = 49_152;

    private const int Attempts = 200;

    /// <summary>A port nothing listens on or connects from now, outside the ephemeral range.</summary>
    public static int PickFree()
    {
        var end = EphemeralStart();
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var candidate = Random.Shared.Next(Lowest, end);
            if (IsFree(candidate))
            {
                return candidate;
            }
        }
        throw new InvalidOperationException($"No free port on 127.0.0.1 between {Lowest} and {end} after {Attempts} attempts.");
    }

    /// <summary>Whether a listener can bind <c>127.0.0.1:{port}</c> now.</summary>
    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The first port of the range outgoing connections take their local port from.</summary>
    internal static int EphemeralStart()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return range.Length > 0 && int.TryParse(range[0], NumberStyles.None, CultureInfo.InvariantCulture, out var start) && start > Lowest + 1_000
                ? start
                : DefaultEphemeralStart;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return DefaultEphemeralStart;
        }
    }
}
