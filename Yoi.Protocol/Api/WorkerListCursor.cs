using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Yoi.Protocol.Api;

/// <summary>
/// A position in a runtime's worker list (ordered by creation time, then id): <c>&lt;created_at ticks&gt;.&lt;worker id&gt;</c>.
/// The page after it starts with the first worker ordered after it, so deleting or creating workers never makes a
/// page repeat or skip one that existed throughout. Bound from <c>?after=</c> (it is <see cref="IParsable{TSelf}"/>).
/// </summary>
public readonly record struct WorkerListCursor(long CreatedAtTicks, string WorkerId) : IParsable<WorkerListCursor>, IComparable<WorkerListCursor>
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    public static WorkerListCursor Of(WorkerInfo worker) => new(worker.CreatedAt.UtcTicks, worker.WorkerId);

    public int CompareTo(WorkerListCursor other)
    {
        var byTime = CreatedAtTicks.CompareTo(other.CreatedAtTicks);
        return byTime != 0 ? byTime : string.CompareOrdinal(WorkerId, other.WorkerId);
    }

    public override string ToString() => CreatedAtTicks.ToString(CultureInfo.InvariantCulture) + "." + WorkerId;

    public static WorkerListCursor Parse(string s, IFormatProvider? provider) =>
        TryParse(s, provider, out var cursor) ? cursor : throw new FormatException("A worker list cursor is <ticks>.<worker id>.");

    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out WorkerListCursor result)
    {
        result = default;
        if (s is null) return false;
        var dot = s.IndexOf('.');
        if (dot <= 0 || dot > 19) return false;
        if (!long.TryParse(s.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)) return false;
        var id = s[(dot + 1)..];
        if (!ResourceId.IsValid(id)) return false;
        result = new WorkerListCursor(ticks, id);
        return true;
    }

    /// <summary>Up to <paramref name="limit"/> workers after <paramref name="after"/> (from the first when null), oldest first.</summary>
    public static WorkerList Page(IEnumerable<WorkerInfo> workers, WorkerListCursor? after, int limit)
    {
        var ordered = workers.Select(w => (Cursor: Of(w), Worker: w)).Where(w => after is not { } a || w.Cursor.CompareTo(a) > 0)
            .OrderBy(w => w.Cursor).Take(limit + 1).ToList();
        var page = ordered.Take(limit).Select(w => w.Worker).ToList();
        return new WorkerList(page, ordered.Count > limit ? Of(page[^1]).ToString() : null);
    }
}
