using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AppHost.Dashboard.Api;

/// <summary>
/// The dashboard's only gate: the login token, presented once at <c>/login?t=...</c> (which sets an
/// HTTP-only cookie) or on every request as <c>Authorization: Bearer ...</c>. Without it the JSON
/// API answers 401 and pages redirect to the login page; the login page and its assets are open.
/// </summary>
internal static class DashboardAuthentication
{
    public const string CookieName = "localcloud-dashboard";

    public static void UseDashboardAuthentication(this WebApplication application, string token)
    {
        var expected = Encoding.UTF8.GetBytes(token);
        application.Use(async (context, next) =>
        {
            var path = context.Request.Path;
            if (path.StartsWithSegments("/login") || path.StartsWithSegments("/assets"))
            {
                await next(context);
                return;
            }
            if (IsSignedIn(context.Request, expected))
            {
                await next(context);
                return;
            }
            if (path.StartsWithSegments("/api"))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = "Bearer";
                await context.Response.WriteAsJsonAsync(new { message = "Sign in with the dashboard's login token (cookie from /login?t=..., or Authorization: Bearer)." });
                return;
            }
            context.Response.Redirect("/login");
        });
        application.MapGet("/login", (HttpContext context, string? t) =>
        {
            if (t is not null && Matches(t, expected))
            {
                context.Response.Cookies.Append(CookieName, t, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/" });
                return Results.Redirect("/");
            }
            return StaticAssets.Page("login.html", t is null ? StatusCodes.Status200OK : StatusCodes.Status401Unauthorized);
        });
        application.MapPost("/login/sign-out", (HttpContext context) =>
        {
            context.Response.Cookies.Delete(CookieName);
            return Results.Redirect("/login");
        });
    }

    private static bool IsSignedIn(HttpRequest request, byte[] expected)
    {
        if (request.Cookies.TryGetValue(CookieName, out var cookie) && Matches(cookie, expected))
        {
            return true;
        }
        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && Matches(authorization["Bearer ".Length..].Trim(), expected);
    }

    private static bool Matches(string presented, byte[] expected) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), expected);
}
