using System.Diagnostics;
using System.Globalization;

namespace AppHost.Emulators.Lambda;

/// <summary>The X-Ray trace header a function receives (<c>Root=1-…;Parent=…;Sampled=…</c>).</summary>
internal static class XRayTraceHeader
{
    /// <summary>The invoker's span as an X-Ray trace header (the W3C trace id split as X-Ray writes it), or null.</summary>
    public static string? Of(Activity? activity) => activity is null ? null : Of(activity.Context);

    /// <summary>A W3C span context as an X-Ray trace header.</summary>
    public static string Of(ActivityContext context)
    {
        var traceId = context.TraceId.ToHexString();
        var sampled = context.TraceFlags.HasFlag(ActivityTraceFlags.Recorded) ? 1 : 0;
        return $"Root=1-{traceId[..8]}-{traceId[8..]};Parent={context.SpanId.ToHexString()};Sampled={sampled}";
    }

    /// <summary>A header for an invocation no traced caller made: a fresh trace, not sampled.</summary>
    public static string New()
    {
        var epoch = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString("x8", CultureInfo.InvariantCulture);
        return $"Root=1-{epoch}-{Guid.NewGuid():N}"[..40] + $";Parent={Guid.NewGuid().ToString("N")[..16]};Sampled=0";
    }

    /// <summary>The span an X-Ray trace header names (<c>Root=1-{8 hex}-{24 hex};Parent={16 hex}</c>) as a W3C context; default when it names none.</summary>
    public static ActivityContext TryParse(string? header)
    {
        string? root = null;
        string? parent = null;
        foreach (var part in (header ?? "").Split(';', StringSplitOptions.TrimEntries))
        {
            if (part.StartsWith("Root=1-", StringComparison.Ordinal))
            {
                root = part["Root=1-".Length..].Replace("-", "", StringComparison.Ordinal);
            }
            else if (part.StartsWith("Parent=", StringComparison.Ordinal))
            {
                parent = part["Parent=".Length..];
            }
        }
        return root is { Length: 32 } && parent is { Length: 16 } && root.All(char.IsAsciiHexDigit) && parent.All(char.IsAsciiHexDigit)
            ? new ActivityContext(ActivityTraceId.CreateFromString(root), ActivitySpanId.CreateFromString(parent), ActivityTraceFlags.Recorded, isRemote: true)
            : default;
    }
}
