using System.Net;
using System.Net.Sockets;

namespace AppHost.Emulators.Tests;

public sealed class LoopbackPortsTests
{
    [Fact]
    public async Task APickedPortIsBindableAndBelowTheRangeOutgoingConnectionsTakeTheirPortFrom()
    {
        using var server = new TcpListener(IPAddress.Loopback, 0);
        server.Start();
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)server.LocalEndpoint).Port);
        var outgoingPort = ((IPEndPoint)client.Client.LocalEndPoint!).Port;

        var picked = LoopbackPorts.PickFree();

        Assert.InRange(outgoingPort, LoopbackPorts.EphemeralStart(), IPEndPoint.MaxPort);
        Assert.InRange(picked, 10_000, LoopbackPorts.EphemeralStart() - 1);
        using var listener = new TcpListener(IPAddress.Loopback, picked);
        listener.Start();
    }

    [Fact]
    public async Task APortHeldByAListenerOrByAnOutgoingConnectionIsNotFree()
    {
        using var server = new TcpListener(IPAddress.Loopback, 0);
        server.Start();
        var listening = ((IPEndPoint)server.LocalEndpoint).Port;
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, listening);

        Assert.False(LoopbackPorts.IsFree(listening));
        Assert.False(LoopbackPorts.IsFree(((IPEndPoint)client.Client.LocalEndPoint!).Port));
    }
}
