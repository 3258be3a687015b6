namespace Yoi.EventLog.Redis.Resp;

/// <summary>RESP2 frame types; each value is the marker byte that starts the frame on the wire.</summary>
internal enum RespType : byte
{
    SimpleString = (byte)'+',
    Error = (byte)'-',
    Integer = (byte)':',
    BulkString = (byte)'$',
    Array = (byte)'*',
}

/// <summary>Outcome of one attempt to parse a reply from the bytes received so far.</summary>
internal enum RespParseStatus
{
    /// <summary>A whole reply was parsed and consumed.</summary>
    Complete,
    /// <summary>The bytes end inside a reply; nothing was consumed.</summary>
    NeedMoreData,
}
