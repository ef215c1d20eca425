using System.Text;

namespace Leaderboard.Core.Tests;

public class MatchSignatureTests
{
    [Fact]
    public void ASignatureIsTheLowercaseHexHmacSha256OfTheBodyAsOpensslPrintsIt()
    {
        // RFC 4231, test case 2; `printf 'what do ya want for nothing?' | openssl dgst -sha256 -hmac Jefe` prints the same digest.
        var signature = MatchSignature.Sign("Jefe", "what do ya want for nothing?");

        Assert.Equal("sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", signature);
    }

    [Fact]
    public void TheKeyAndABodyStringAreSignedAsTheirUtf8Bytes()
    {
        Assert.Equal(MatchSignature.Sign("clé", Encoding.UTF8.GetBytes("{\"boardId\":\"été\"}")), MatchSignature.Sign("clé", "{\"boardId\":\"été\"}"));
        Assert.NotEqual(MatchSignature.Sign("cle", "{}"), MatchSignature.Sign("clé", "{}"));
    }

    [Fact]
    public void ASignatureMatchesItsBodyAndKeyOnly()
    {
        var body = "{\"matchId\":\"m1\"}"u8.ToArray();
        var digest = MatchSignature.ReadDigest(MatchSignature.Sign("key-1", body))!;

        Assert.True(MatchSignature.IsSignedWith(body, digest, Encoding.UTF8.GetBytes("key-1")));
        Assert.False(MatchSignature.IsSignedWith(body, digest, Encoding.UTF8.GetBytes("key-2")));
        Assert.False(MatchSignature.IsSignedWith("{\"matchId\":\"m2\"}"u8, digest, Encoding.UTF8.GetBytes("key-1")));
        Assert.False(MatchSignature.IsSignedWith("{\"matchId\":\"m1\"} "u8, digest, Encoding.UTF8.GetBytes("key-1")));
    }

    [Theory]
    [InlineData("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")]
    [InlineData("sha1=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")]
    [InlineData("SHA256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")]
    [InlineData("sha256=5BDCC146BF60754E6A042426089575C75A003F089D2739839DEC58B964EC3843")]
    [InlineData("sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec384")]
    [InlineData("sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec38430")]
    [InlineData("sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec384g")]
    [InlineData("sha256= 5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec384")]
    [InlineData("sha256=")]
    public void ASignatureThatIsNotSha256AndSixtyFourLowercaseHexDigitsIsMalformed(string signature)
    {
        Assert.Null(MatchSignature.ReadDigest(signature));
    }
}
