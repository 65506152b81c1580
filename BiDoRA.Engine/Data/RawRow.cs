namespace BiDoRA.Engine.Data;

/// <summary>One record of an input file before interpretation, with the row number a user would look for.</summary>
internal sealed record RawRow(int Row, string?[] Fields);

/// <summary>An input file's header and a stream of its records.</summary>
internal sealed record RawTable(string Format, IReadOnlyList<string> Columns, IEnumerable<RawRow> Rows);
