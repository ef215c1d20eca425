using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Functions.Hosting.Tests;

public sealed class KestrelFallbackTests
{
    [Fact]
    public async Task WithoutRuntimeApiKestrelServesTheApplication()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddLambdaHosting(LambdaEventSource.HttpApi);
        await using var app = builder.Build();
        app.MapGet("/ping", () => TypedResults.Text("pong"));
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };

        var answer = await http.GetStringAsync(new Uri("/ping", UriKind.Relative));

        Assert.Equal("pong", answer);
        await app.StopAsync();
    }
}
