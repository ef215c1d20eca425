using System.Buffers.Text;
using System.Text;

namespace AppHost.Emulators.Sqs;

/// <summary>Receipt handles: opaque to clients, naming the queue, the message and the receive that issued them.</summary>
internal static class ReceiptHandles
{
    private const char Separator = '\n';

    public static string Create(string queueName, string messageId, string nonce) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Join(Separator, queueName, messageId, nonce)));

    public static bool TryParse(string handle, out string queueName, out string messageId, out string nonce)
    {
        queueName = messageId = nonce = "";
        if (!Base64Url.IsValid(handle))
        {
            return false;
        }
        var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(handle)).Split(Separator);
        if (parts.Length != 3)
        {
            return false;
        }
        (queueName, messageId, nonce) = (parts[0], parts[1], parts[2]);
        return true;
    }
}
