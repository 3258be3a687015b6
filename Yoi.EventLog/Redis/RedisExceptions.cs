namespace Yoi.EventLog.Redis;

/// <summary>Base of every failure the Redis client reports.</summary>
public class RedisException : Exception
{
    public RedisException(string message) : base(message) { }
    public RedisException(string message, Exception? inner) : base(message, inner) { }
}

/// <summary>The connection could not be made, was lost with the command in flight, or did not come back in time.</summary>
public sealed class RedisConnectionException : RedisException
{
    public RedisConnectionException(string message) : base(message) { }
    public RedisConnectionException(string message, Exception? inner) : base(message, inner) { }
}

/// <summary>No reply arrived within the command timeout.</summary>
public sealed class RedisTimeoutException : RedisException
{
    public RedisTimeoutException(string message) : base(message) { }
}

/// <summary>Redis answered with an error reply; <see cref="Exception.Message"/> is Redis's text.</summary>
public sealed class RedisServerException : RedisException
{
    public RedisServerException(string message) : base(message) { }

    /// <summary>The error prefix (for example <c>ERR</c>, <c>NOSCRIPT</c>, <c>WRONGTYPE</c>).</summary>
    public string Prefix => Message.Split(' ', 2)[0];
}

/// <summary>The bytes from the server are not valid RESP2, or a reply exceeds the configured maximum size.</summary>
public sealed class RedisProtocolException : RedisException
{
    public RedisProtocolException(string message) : base(message) { }
}
