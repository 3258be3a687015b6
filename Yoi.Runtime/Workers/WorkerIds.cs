using System.Security.Cryptography;

namespace Yoi.Runtime.Workers;

/// <summary>Ids the runtime generates: <c>w-</c> + 12 url-safe random characters for workers, <c>r-</c> + 12 for runs.</summary>
public static class WorkerIds
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    public static string NewWorkerId() => "w-" + Random(12);

    public static string NewRunId() => "r-" + Random(12);

    private static string Random(int length) => new(RandomNumberGenerator.GetItems<char>(Alphabet, length));
}
