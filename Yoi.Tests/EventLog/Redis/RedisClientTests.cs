using System.Text;
using Yoi.EventLog.Redis;
using Yoi.Protocol.Cursors;

namespace Yoi.Tests.EventLog.Redis;

/// <summary>The typed client's commands against the shared real redis-server.</summary>
public sealed class RedisClientTests(RedisServerFixture redis)
{
    private readonly string _prefix = RedisServerFixture.NewKeyPrefix();
    private RedisClient Client => redis.Client;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StreamField[] Fields(params (string Name, string Value)[] fields) =>
        [.. fields.Select(f => new StreamField(f.Name, Encoding.UTF8.GetBytes(f.Value)))];

    [Fact]
    public async Task Ping_answers()
    {
        Assert.True(await Client.PingAsync(Ct) >= TimeSpan.Zero);
    }

    [Fact]
    public async Task Set_get_exists_expire_and_delete_round_trip_binary_values()
    {
        var key = _prefix + "k";
        byte[] value = [0, 1, 13, 10, 255];
        Assert.True(await Client.SetAsync(key, value, cancellationToken: Ct));
        Assert.Equal(value, await Client.GetAsync(key, Ct));
        Assert.True(await Client.ExistsAsync(key, Ct));
        Assert.False(await Client.SetAsync(key, "other", onlyIfNotExists: true, cancellationToken: Ct));
        Assert.True(await Client.ExpireAsync(key, TimeSpan.FromMinutes(1), Ct));
        Assert.True(await Client.DeleteAsync(key, Ct));
        Assert.Null(await Client.GetAsync(key, Ct));
        Assert.False(await Client.ExistsAsync(key, Ct));
    }

    [Fact]
    public async Task Set_with_expiry_expires()
    {
        var key = _prefix + "px";
        Assert.True(await Client.SetAsync(key, "v", TimeSpan.FromMilliseconds(50), cancellationToken: Ct));
        await Task.Delay(200, Ct);
        Assert.Null(await Client.GetStringAsync(key, Ct));
    }

    [Fact]
    public async Task Hash_commands_set_get_all_and_delete_fields()
    {
        var key = _prefix + "h";
        Assert.Equal(2, await Client.HashSetAsync(key, Fields(("a", "1"), ("b", "é")), Ct));
        Assert.Equal("é", Encoding.UTF8.GetString((await Client.HashGetAsync(key, "b", Ct))!));
        var all = await Client.HashGetAllAsync(key, Ct);
        Assert.Equal(["a", "b"], all.Keys.Order());
        Assert.Equal(1, await Client.HashDeleteAsync(key, ["a", "zz"], Ct));
        Assert.Null(await Client.HashGetAsync(key, "a", Ct));
    }

    [Fact]
    public async Task Set_commands_add_list_and_remove_members()
    {
        var key = _prefix + "set";
        Assert.Equal(2, await Client.SetAddAsync(key, ["x", "y", "x"], Ct));
        Assert.Equal(["x", "y"], (await Client.SetMembersAsync(key, Ct)).Order());
        Assert.Equal(1, await Client.SetRemoveAsync(key, ["x"], Ct));
        Assert.Equal(["y"], await Client.SetMembersAsync(key, Ct));
    }

    [Fact]
    public async Task Script_evaluates_and_falls_back_from_noscript_to_eval()
    {
        var script = $"return {{KEYS[1], ARGV[1], {Random.Shared.Next(1_000_000)}}}";
        var first = await Client.ScriptEvaluateAsync(script, [_prefix + "k"], [Encoding.UTF8.GetBytes("arg")], Ct);
        Assert.Equal(_prefix + "k", first.Items![0].ToString());
        Assert.Equal("arg", first.Items[1].ToString());
        var second = await Client.ScriptEvaluateAsync(script, [_prefix + "k"], [Encoding.UTF8.GetBytes("b")], Ct);
        Assert.Equal("b", second.Items![1].ToString());
        Assert.Equal(RedisResultType.Integer, second.Items[2].Type);
    }

    [Fact]
    public async Task Server_error_surfaces_as_RedisServerException_with_the_redis_text()
    {
        var key = _prefix + "str";
        await Client.SetAsync(key, "v", cancellationToken: Ct);
        var error = await Assert.ThrowsAsync<RedisServerException>(() => Client.HashGetAllAsync(key, Ct));
        Assert.StartsWith("WRONGTYPE Operation against a key holding the wrong kind of value", error.Message);
        Assert.Equal("WRONGTYPE", error.Prefix);
        // The connection is still usable after an error reply.
        Assert.Equal("v", await Client.GetStringAsync(key, Ct));
    }

    [Fact]
    public async Task Client_id_and_connected_clients_are_reported()
    {
        Assert.True(await Client.ClientIdAsync(Ct) > 0);
        Assert.True(await Client.GetConnectedClientsAsync(Ct) >= 1);
    }

    [Fact]
    public async Task Stream_add_range_revrange_and_exclusive_start()
    {
        var key = _prefix + "s";
        var a = await Client.StreamAddAsync(key, Fields(("payload", "1")), cancellationToken: Ct);
        var ids = await Client.StreamAddBatchAsync(key, [Fields(("payload", "2")), Fields(("payload", "3"), ("x", ""))], cancellationToken: Ct);
        Assert.True(ids[0] > a && ids[1] > ids[0]);

        var all = await Client.StreamRangeAsync(key, StreamRangeBound.Min, StreamRangeBound.Max, cancellationToken: Ct);
        Assert.Equal([a, ids[0], ids[1]], all.Select(e => e.Id));
        Assert.Equal("3", Encoding.UTF8.GetString(all[2].Get("payload")!.Value.Span));
        Assert.Equal(0, all[2].Get("x")!.Value.Length);

        var after = await Client.StreamRangeAsync(key, StreamRangeBound.Exclusive(a), StreamRangeBound.Max, 1, Ct);
        Assert.Equal([ids[0]], after.Select(e => e.Id));
        var last = await Client.StreamRevRangeAsync(key, StreamRangeBound.Max, StreamRangeBound.Min, 1, Ct);
        Assert.Equal([ids[1]], last.Select(e => e.Id));
    }

    [Fact]
    public async Task Stream_add_with_maxlen_and_minid_trims_and_records_the_deleted_id()
    {
        var key = _prefix + "trim";
        var first = await Client.StreamAddAsync(key, Fields(("f", "0")), cancellationToken: Ct);
        for (var i = 0; i < 5; i++) await Client.StreamAddAsync(key, Fields(("f", "x")), new StreamTrim(2, Approximate: false), Ct);
        var info = await Client.StreamInfoAsync(key, Ct);
        Assert.NotNull(info);
        Assert.Equal(2, info.Length);
        Assert.Equal(6, info.EntriesAdded);
        Assert.Equal(info.LastEntry!.Id, info.LastGeneratedId);
        Assert.Equal(info.FirstEntry!.Id, info.RecordedFirstEntryId);
        Assert.True(info.FirstEntry.Id > first);

        // Both strategies: MAXLEN on the XADD plus a pipelined XTRIM MINID that removes everything older.
        var newest = await Client.StreamAddAsync(key, Fields(("f", "y")),
            new StreamTrim(100, info.LastGeneratedId.Successor(), Approximate: false), Ct);
        var after = await Client.StreamInfoAsync(key, Ct);
        Assert.Equal(1, after!.Length);
        Assert.Equal(newest, after.FirstEntry!.Id);
        Assert.Equal(1, await Client.StreamTrimAsync(key, new StreamTrim(MinId: StreamCursor.Max, Approximate: false), Ct));
    }

    [Fact]
    public async Task Stream_info_of_a_missing_key_is_null()
    {
        Assert.Null(await Client.StreamInfoAsync(_prefix + "missing", Ct));
        var (info, exists) = await Client.StreamInfoWithEntryAsync(_prefix + "missing", new StreamCursor(1, 0), Ct);
        Assert.Null(info);
        Assert.False(exists);
    }

    [Fact]
    public async Task Stream_read_without_block_returns_entries_after_each_position()
    {
        var a = _prefix + "a";
        var b = _prefix + "b";
        var idA = await Client.StreamAddAsync(a, Fields(("p", "a")), cancellationToken: Ct);
        await Client.StreamAddAsync(b, Fields(("p", "b")), cancellationToken: Ct);
        var reads = await Client.StreamReadAsync([new(a, idA), new(b, StreamCursor.Zero)], 10, null, Ct);
        var read = Assert.Single(reads);
        Assert.Equal(b, read.Key);
        Assert.Single(read.Entries);
    }

    [Fact]
    public async Task Stream_read_with_block_wakes_on_a_new_entry()
    {
        var key = _prefix + "blk";
        var start = await Client.StreamAddAsync(key, Fields(("p", "0")), cancellationToken: Ct);
        var read = Client.StreamReadAsync([new(key, start)], 10, TimeSpan.FromSeconds(10), Ct);
        await Task.Delay(100, Ct);
        var added = await Client.StreamAddAsync(key, Fields(("p", "1")), cancellationToken: Ct);
        var result = await read.WaitAsync(TimeSpan.FromSeconds(5), Ct);
        Assert.Equal(added, Assert.Single(Assert.Single(result).Entries).Id);
    }

    [Fact]
    public async Task Stream_read_with_block_times_out_empty()
    {
        var result = await Client.StreamReadAsync([new(_prefix + "none", StreamCursor.Zero)], 10, TimeSpan.FromMilliseconds(50), Ct);
        Assert.Empty(result);
    }

    [Fact]
    public async Task Multi_megabyte_range_reply_arriving_in_many_socket_reads_parses_whole()
    {
        var key = _prefix + "big";
        var value = new byte[4096];
        Random.Shared.NextBytes(value);
        var entries = Enumerable.Range(0, 1000).Select(_ => (IReadOnlyList<StreamField>)[new StreamField("payload", value)]).ToArray();
        var ids = await Client.StreamAddBatchAsync(key, entries, cancellationToken: Ct);
        var read = await Client.StreamRangeAsync(key, StreamRangeBound.Min, StreamRangeBound.Max, cancellationToken: Ct);
        Assert.Equal(ids, read.Select(e => e.Id));
        Assert.All(read, e => Assert.Equal(value, e.Get("payload")!.Value.ToArray()));
    }
}
