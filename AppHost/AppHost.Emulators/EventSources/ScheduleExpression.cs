using System.Globalization;
using System.Text.RegularExpressions;

namespace AppHost.Emulators.EventSources;

/// <summary>
/// An EventBridge schedule expression: <c>rate(5 minutes)</c> or <c>cron(0/15 8-18 ? * MON-FRI *)</c>
/// (minutes, hours, day of month, month, day of week, year; UTC). Supported cron syntax: numbers,
/// names (JAN–DEC, SUN–SAT), <c>*</c>, <c>?</c>, lists, ranges and <c>/</c> steps; the <c>L</c>,
/// <c>W</c> and <c>#</c> forms are refused with a clear message.
/// </summary>
public sealed partial class ScheduleExpression
{
    private static readonly string[] Months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
    private static readonly string[] Days = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

    private readonly TimeSpan? _rate;
    private readonly HashSet<int>[]? _cron;

    private ScheduleExpression(string text, TimeSpan? rate, HashSet<int>[]? cron)
    {
        Text = text;
        _rate = rate;
        _cron = cron;
    }

    public string Text { get; }

    public static ScheduleExpression Parse(string expression)
    {
        var rate = RatePattern().Match(expression);
        if (rate.Success)
        {
            var value = int.Parse(rate.Groups["value"].Value, CultureInfo.InvariantCulture);
            var unit = rate.Groups["unit"].Value;
            if (value < 1 || (value == 1) != !unit.EndsWith('s'))
            {
                throw new FormatException($"'{expression}': use 'rate(1 minute)' for one and 'rate(N minutes)' for more.");
            }
            var interval = unit.TrimEnd('s') switch
            {
                "minute" => TimeSpan.FromMinutes(value),
                "hour" => TimeSpan.FromHours(value),
                _ => TimeSpan.FromDays(value),
            };
            return new ScheduleExpression(expression, interval, null);
        }
        var cron = CronPattern().Match(expression);
        if (!cron.Success)
        {
            throw new FormatException($"'{expression}' is neither rate(value unit) nor cron(minutes hours day-of-month month day-of-week year).");
        }
        var fields = cron.Groups["fields"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 6)
        {
            throw new FormatException($"'{expression}': a cron expression has six fields (minutes hours day-of-month month day-of-week year).");
        }
        if ((fields[2] == "?") == (fields[4] == "?"))
        {
            throw new FormatException($"'{expression}': exactly one of day-of-month and day-of-week must be '?'.");
        }
        return new ScheduleExpression(expression, null,
        [
            ParseField(fields[0], 0, 59, null, expression),
            ParseField(fields[1], 0, 23, null, expression),
            ParseField(fields[2], 1, 31, null, expression),
            ParseField(fields[3], 1, 12, Months, expression),
            ParseField(fields[4], 1, 7, Days, expression),
            ParseField(fields[5], 1970, 2199, null, expression),
        ]);
    }

    /// <summary>The first firing strictly after <paramref name="after"/> (a rate fires every interval from <paramref name="after"/>).</summary>
    public DateTimeOffset? NextAfter(DateTimeOffset after)
    {
        if (_rate is { } rate)
        {
            return after + rate;
        }
        var fields = _cron!;
        var candidate = new DateTimeOffset(after.UtcDateTime.Year, after.UtcDateTime.Month, after.UtcDateTime.Day, after.UtcDateTime.Hour, after.UtcDateTime.Minute, 0, TimeSpan.Zero).AddMinutes(1);
        var limit = candidate.AddYears(5);
        while (candidate < limit)
        {
            if (!fields[5].Contains(candidate.Year) || !fields[3].Contains(candidate.Month))
            {
                candidate = new DateTimeOffset(candidate.Year, candidate.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1);
                continue;
            }
            if (!fields[2].Contains(candidate.Day) || !fields[4].Contains((int)candidate.DayOfWeek + 1))
            {
                candidate = new DateTimeOffset(candidate.Year, candidate.Month, candidate.Day, 0, 0, 0, TimeSpan.Zero).AddDays(1);
                continue;
            }
            if (!fields[1].Contains(candidate.Hour))
            {
                candidate = new DateTimeOffset(candidate.Year, candidate.Month, candidate.Day, candidate.Hour, 0, 0, TimeSpan.Zero).AddHours(1);
                continue;
            }
            if (!fields[0].Contains(candidate.Minute))
            {
                candidate = candidate.AddMinutes(1);
                continue;
            }
            return candidate;
        }
        return null;
    }

    private static HashSet<int> ParseField(string field, int min, int max, string[]? names, string expression)
    {
        if (field is "*" or "?")
        {
            return [.. Enumerable.Range(min, max - min + 1)];
        }
        if (field.Split(',').Any(part => part is "L" or "LW" || part.Contains('#', StringComparison.Ordinal) || LastOrWeekdayForm().IsMatch(part)))
        {
            throw new FormatException($"'{expression}': the L, W and # forms are not supported locally ('{field}').");
        }
        var values = new HashSet<int>();
        foreach (var part in field.Split(','))
        {
            var (range, step) = part.Split('/') switch
            {
                [var r] => (r, 1),
                [var r, var s] => (r, int.Parse(s, CultureInfo.InvariantCulture)),
                _ => throw new FormatException($"'{expression}': cannot read '{part}'."),
            };
            var (from, to) = range.Split('-') switch
            {
                ["*"] => (min, max),
                [var single] when step > 1 => (Value(single, names, expression), max),
                [var single] => (Value(single, names, expression), Value(single, names, expression)),
                [var low, var high] => (Value(low, names, expression), Value(high, names, expression)),
                _ => throw new FormatException($"'{expression}': cannot read '{part}'."),
            };
            if (from < min || to > max || from > to || step < 1)
            {
                throw new FormatException($"'{expression}': '{part}' is outside {min}–{max}.");
            }
            for (var value = from; value <= to; value += step)
            {
                values.Add(value);
            }
        }
        return values;
    }

    private static int Value(string text, string[]? names, string expression)
    {
        if (names is not null && Array.FindIndex(names, name => name.Equals(text, StringComparison.OrdinalIgnoreCase)) is var index and >= 0)
        {
            return index + 1;
        }
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new FormatException($"'{expression}': '{text}' is not a number{(names is null ? "" : " or a name")}.");
    }

    [GeneratedRegex(@"^\d+[LW]$")]
    private static partial Regex LastOrWeekdayForm();

    [GeneratedRegex(@"^rate\((?<value>\d+) (?<unit>minutes?|hours?|days?)\)$")]
    private static partial Regex RatePattern();

    [GeneratedRegex(@"^cron\((?<fields>[^)]+)\)$")]
    private static partial Regex CronPattern();
}
