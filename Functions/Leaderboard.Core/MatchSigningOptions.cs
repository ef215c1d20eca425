using System.ComponentModel.DataAnnotations;

namespace Leaderboard.Core;

/// <summary>Which secret holds the match signing key, bound from the <c>Leaderboard</c> section.</summary>
public sealed class MatchSigningOptions
{
    /// <summary>
    /// The name (locally) or ARN (in AWS) of the Secrets Manager secret holding the key game servers sign
    /// match results with; the app definition gives it to the functions that read it as
    /// <c>Leaderboard__MatchSigningSecretId</c>. Without it a function does not start: it would have no way
    /// to tell a signed result from an unsigned one.
    /// </summary>
    [Required(ErrorMessage = "Leaderboard:MatchSigningSecretId (environment variable Leaderboard__MatchSigningSecretId) is not set: "
        + "it names the Secrets Manager secret that holds the match signing key, without which no match result can be accepted.")]
    public string MatchSigningSecretId { get; set; } = "";
}
