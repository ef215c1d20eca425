namespace AppHost.Definition;

/// <summary>
/// A Secrets Manager secret of the app. CDK creates it with a generated value; locally it is an Aspire
/// secret parameter of the same name (user secrets or environment, masked in the dashboard), generated
/// once and kept in the AppHost's user secrets when none is given. Functions that read it list it in their
/// <see cref="FunctionDefinition.Secrets"/> and read it through the Parameters and Secrets extension, by
/// the id in <see cref="IdVariable"/>: the secret's name locally, its ARN in AWS.
/// </summary>
/// <param name="Name">The secret's local name and the CDK construct's id.</param>
/// <param name="Description">What the secret is for, shown in Secrets Manager.</param>
/// <param name="IdVariable">The environment variable that gives a reading function the secret's id.</param>
/// <param name="GeneratedLength">Characters of a generated value (letters and digits).</param>
public sealed record SecretDefinition(string Name, string Description, string IdVariable, int GeneratedLength = 32)
{
    /// <summary>The local parameter holding the previous value during a rotation (<c>AWSPREVIOUS</c>), when set.</summary>
    public string PreviousValueParameter => Name + "-previous";
}
