using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Yoi.EventLog.Redis.Resp;

namespace Yoi.EventLog.Redis;

/// <summary>
/// The project's Redis client: typed methods for the commands the product needs, all over one shared
/// multiplexed connection (blocking reads use dedicated connections). Thread safe; dispose once.
/// Failures: <see cref="RedisServerException"/> (Redis's error text), <see cref="RedisTimeoutException"/>,
/// <see cref="RedisConnectionException"/>.
/// </summary>
public sealed partial class RedisClient : IAsyncDisposable
{
    private readonly RedisMultiplexer _multiplexer;
    private readonly ConcurrentDictionary<string, string> _scriptShas = new(StringComparer.Ordinal);

    private RedisClient(RedisMultiplexer multiplexer) => _multiplexer = multiplexer;

    public RedisConnectionOptions Options => _multiplexer.Options;

    internal RedisMultiplexer Multiplexer => _multiplexer;

    /// <summary>Whether the shared connection is currently up.</summary>
    public bool IsConnected => _multiplexer.IsConnected;

    public static Task<RedisClient> ConnectAsync(string connectionString, CancellationToken cancellationToken = default) =>
        ConnectAsync(RedisConnectionOptions.Parse(connectionString), cancellationToken);

    public static async Task<RedisClient> ConnectAsync(RedisConnectionOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new RedisClient(await RedisMultiplexer.ConnectAsync(options, cancellationToken).ConfigureAwait(false));
    }

    public ValueTask DisposeAsync() => _multiplexer.DisposeAsync();

    /// <summary>PING; returns the round-trip time.</summary>
    public async Task<TimeSpan> PingAsync(CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var cmd = Command(1, "PING"u8, out _);
        await RunAsync(cmd, cancellationToken).ConfigureAwait(false);
        return Stopwatch.GetElapsedTime(started);
    }

    /// <summary>DEL; the number of keys removed.</summary>
    public async Task<long> DeleteAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        var cmd = Command(1 + keys.Count, "DEL"u8, out var resp);
        foreach (var key in keys) resp.WriteBulk(key);
        return (await RunAsync(cmd, cancellationToken).ConfigureAwait(false)).AsInteger();
    }

    /// <summary>DEL of one key; true when it existed.</summary>
    public async Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        await DeleteAsync([key], cancellationToken).ConfigureAwait(false) > 0;

    public async Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default)
    {
        var cmd = Command(2, "EXISTS"u8, out var resp);
        resp.WriteBulk(key);
        return (await RunAsync(cmd, cancellationToken).ConfigureAwait(false)).AsInteger() > 0;
    }

    /// <summary>PEXPIRE (EXPIRE with millisecond precision); false when the key does not exist.</summary>
    public async Task<bool> ExpireAsync(string key, TimeSpan expiry, CancellationToken cancellationToken = default)
    {
        var cmd = Command(3, "PEXPIRE"u8, out var resp);
        resp.WriteBulk(key);
        resp.WriteBulk((long)expiry.TotalMilliseconds);
        return (await RunAsync(cmd, cancellationToken).ConfigureAwait(false)).AsInteger() == 1;
    }

    /// <summary>GET; null when the key does not exist.</summary>
    public async Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        var cmd = Command(2, "GET"u8, out var resp);
        resp.WriteBulk(key);
        return (await RunAsync(cmd, cancellationToken).ConfigureAwait(false)).Bytes;
    }

    public async Task<string?> GetStringAsync(string key, CancellationToken cancellationToken = default) =>
        await GetAsync(key, cancellationToken).ConfigureAwait(false) is { } bytes ? Encoding.UTF8.GetString(bytes) : null;

    /// <summary>SET [PX ms] [NX]; false when NX was asked and the key existed.</summary>
    public async Task<bool> SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan? expiry = null, bool onlyIfNotExists = false,
        CancellationToken cancellationToken = default)
    {
        var cmd = Command(3 + (expiry is null ? 0 : 2) + (onlyIfNotExists ? 1 : 0), "SET"u8, out var resp);
        resp.WriteBulk(key);
        resp.WriteBulk(value.Span);
        if (expiry is { } px)
        {
            resp.WriteBulk("PX"u8);
            resp.WriteBulk(Math.Max(1, (long)px.TotalMilliseconds));
        }
        if (onlyIfNotExists) resp.WriteBulk("NX"u8);
        return (await RunAsync(cmd, cancellationToken).ConfigureAwait(false)).IsOk;
    }

    public Task<bool> SetAsync(string key, string value, TimeSpan? expiry = null, bool onlyIfNotExists = false,
        CancellationToken cancellationToken = default) =>
        SetAsync(key, Encoding.UTF8.GetBytes(value), expiry, onlyIfNotExists, cancellationToken);

    /// <summary>HSET with several fields; the number of fields that were new.</summary>
    public async Task<long> HashSetAsync(string key, IReadOnlyList<StreamField> fields, CancellationToken cancellationToken = default)
    {
        var cmd = Command(2 + 2 * fields.Count, "HSET"u8, out var resp);
        resp.WriteBulk(key);
        foreach (var field in fields)
        {
            resp.WriteBulk(field.Name);
            resp.WriteBulk(field.Value.Span);
        }
        return (await RunAsync(cmd, cancellationToken).ConfigureAwait(false)).AsInteger();
    }

    public async Task<byte[]?> HashGetAsync(string key, string field, CancellationToken cancellationToken = default)
    {
        var cmd = Command(3, "HGET"u8, out var resp);
        resp.WriteBulk(key);
        resp.WriteBulk(field);
        return (await RunAsync(cmd, cancellationToken).ConfigureAwait(false)).Bytes;
    }

    public async Task<IReadOnlyDictionary<string, byte[]>> HashGetAllAsync(string key, CancellationToken cancellationToken = default)
    {
        var cmd = Command(2, "HGETALL"u8, out var resp);
        resp.WriteBulk(key);
        var items = (await RunAsync(cmd, cancellationToken).ConfigureAwait(false)).AsArray();
        var result = new Dictionary<string, byte[]>(items.Length / 2, StringComparer.Ordinal);
        for (var i = 0; i + 1 < items.Length; i += 2) result[items[i].AsString()!] = items[i + 1].Bytes ?? [];
        return result;
    }

    /// <summary>HDEL; the number of fields removed.</summary>
    public Task<long> HashDeleteAsync(string key, IReadOnlyList<string> fields, CancellationToken cancellationToken = default) =>
        KeyAndNamesAsync(CommandNames.Hdel, key, fields, cancellationToken);

    /// <summary>SADD; the number of members that were new.</summary>
    public Task<long> SetAddAsync(string key, IReadOnlyList<string> members, CancellationToken cancellationToken = default) =>
        KeyAndNamesAsync(CommandNames.Sadd, key, members, cancellationToken);

    /// <summary>SREM; the number of members removed.</summary>
    public Task<long> SetRemoveAsync(string key, IReadOnlyList<string> members, CancellationToken cancellationToken = default) =>
        KeyAndNamesAsync(CommandNames.Srem, key, members, cancellationToken);

    private async Task<long> KeyAndNamesAsync(byte[] name, string key, IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        var cmd = Command(2 + names.Count, name, out var resp);
        resp.WriteBulk(key);
        foreach (var item in names) resp.WriteBulk(item);
        return (await RunAsync(cmd, cancellationToken).ConfigureAwait(false)).AsInteger();
    }

    public async Task<IReadOnlyList<string>> SetMembersAsync(string key, CancellationToken cancellationToken = default)
    {
        var cmd = Command(2, "SMEMBERS"u8, out var resp);
        resp.WriteBulk(key);
        return [.. (await RunAsync(cmd, cancellationToken).ConfigureAwait(false)).AsArray().Select(v => v.AsString()!)];
    }

    /// <summary>EVALSHA of the script's SHA1, falling back to EVAL when Redis answers NOSCRIPT.</summary>
    public async Task<RedisResult> ScriptEvaluateAsync(string script, IReadOnlyList<string>? keys = null,
        IReadOnlyList<ReadOnlyMemory<byte>>? arguments = null, CancellationToken cancellationToken = default)
    {
        var sha = _scriptShas.GetOrAdd(script, static s => Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(s))));
        try
        {
            return RedisResult.From(await EvalAsync(CommandNames.Evalsha, sha, keys, arguments, cancellationToken).ConfigureAwait(false));
        }
        catch (RedisServerException ex) when (ex.Prefix == "NOSCRIPT")
        {
            return RedisResult.From(await EvalAsync(CommandNames.Eval, script, keys, arguments, cancellationToken).ConfigureAwait(false));
        }
    }

    private Task<RespValue> EvalAsync(byte[] name, string scriptOrSha, IReadOnlyList<string>? keys,
        IReadOnlyList<ReadOnlyMemory<byte>>? arguments, CancellationToken cancellationToken)
    {
        keys ??= [];
        arguments ??= [];
        var cmd = Command(3 + keys.Count + arguments.Count, name, out var resp);
        resp.WriteBulk(scriptOrSha);
        resp.WriteBulk(keys.Count);
        foreach (var key in keys) resp.WriteBulk(key);
        foreach (var argument in arguments) resp.WriteBulk(argument.Span);
        return RunAsync(cmd, cancellationToken);
    }

    /// <summary>CLIENT ID of the shared connection.</summary>
    public async Task<long> ClientIdAsync(CancellationToken cancellationToken = default)
    {
        var cmd = Command(2, "CLIENT"u8, out var resp);
        resp.WriteBulk("ID"u8);
        return (await RunAsync(cmd, cancellationToken).ConfigureAwait(false)).AsInteger();
    }

    /// <summary><c>connected_clients</c> from <c>INFO clients</c>: how many connections the server has.</summary>
    public async Task<long> GetConnectedClientsAsync(CancellationToken cancellationToken = default)
    {
        var cmd = Command(2, "INFO"u8, out var resp);
        resp.WriteBulk("clients"u8);
        var text = (await RunAsync(cmd, cancellationToken).ConfigureAwait(false)).AsString() ?? "";
        foreach (var line in text.Split('\n'))
        {
            const string Prefix = "connected_clients:";
            if (line.StartsWith(Prefix, StringComparison.Ordinal))
                return long.Parse(line.AsSpan(Prefix.Length).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        throw new RedisProtocolException("INFO clients has no connected_clients line.");
    }

    /// <summary>Starts a command of <paramref name="argumentCount"/> arguments (name included) in a pooled buffer.</summary>
    private static PooledBufferWriter Command(int argumentCount, ReadOnlySpan<byte> name, out RespWriter resp)
    {
        var buffer = new PooledBufferWriter();
        resp = buffer.Resp;
        resp.WriteCommandHeader(argumentCount);
        resp.WriteBulk(name);
        return buffer;
    }

    /// <summary>Sends one command (the buffer is returned to the pool) and throws on an error reply.</summary>
    private async Task<RespValue> RunAsync(PooledBufferWriter command, CancellationToken cancellationToken)
    {
        try
        {
            return (await _multiplexer.ExecuteAsync(command.WrittenMemory, 1, cancellationToken).ConfigureAwait(false)).ThrowIfError();
        }
        finally
        {
            command.Dispose();
        }
    }

    /// <summary>Sends <paramref name="count"/> pipelined commands in one write; the replies in order (errors not thrown).</summary>
    private async Task<RespValue[]> RunBatchAsync(PooledBufferWriter commands, int count, CancellationToken cancellationToken)
    {
        try
        {
            var reply = await _multiplexer.ExecuteAsync(commands.WrittenMemory, count, cancellationToken).ConfigureAwait(false);
            return count == 1 ? [reply] : reply.Items!;
        }
        finally
        {
            commands.Dispose();
        }
    }

    /// <summary>Command names used through <c>byte[]</c> parameters, allocated once.</summary>
    private static class CommandNames
    {
        public static readonly byte[] Eval = "EVAL"u8.ToArray();
        public static readonly byte[] Evalsha = "EVALSHA"u8.ToArray();
        public static readonly byte[] Hdel = "HDEL"u8.ToArray();
        public static readonly byte[] Sadd = "SADD"u8.ToArray();
        public static readonly byte[] Srem = "SREM"u8.ToArray();
        public static readonly byte[] Xrange = "XRANGE"u8.ToArray();
        public static readonly byte[] Xrevrange = "XREVRANGE"u8.ToArray();
    }
}
