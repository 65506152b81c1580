using System.Globalization;
using System.Net;
using System.Text;

namespace BiDoRA.Workbench.Services.Reports;

/// <summary>
/// Small charts as inline SVG for the downloadable reports: they must render with no script and no external file,
/// in any browser and when printed.
/// </summary>
internal static class SvgChart
{
    public static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"];

    /// <summary>A named set of points drawn as a line, as markers, or both.</summary>
    public sealed record Series(string Name, IReadOnlyList<(double X, double Y)> Points, string Color, bool Line = true, bool Markers = false);

    /// <summary>A straight line y = slope·x + intercept across the plot (a least-squares fit).</summary>
    public sealed record FitLine(string Name, double Slope, double Intercept, string Color);

    /// <summary>Values of one category with their mean ± sd.</summary>
    public sealed record Category(string Name, IReadOnlyList<double> Values, double? Mean, double? StandardDeviation, string Color);

    private const int Width = 640, Height = 330, Left = 70, Right = 20, Top = 34, Bottom = 52;

    /// <summary>Lines and/or markers on numeric axes, with optional fitted lines; an empty chart says so.</summary>
    public static string Plot(string title, string xLabel, string yLabel, IReadOnlyList<Series> series, IReadOnlyList<FitLine>? fits = null)
    {
        var points = series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
        var sb = Open(title);
        if (points.Count == 0) return Empty(sb);
        var (x0, x1) = Range(points.Select(p => p.X));
        var (y0, y1) = Range(points.Select(p => p.Y));
        var xTicks = Ticks(x0, x1);
        var yTicks = Ticks(y0, y1);
        (x0, x1) = (Math.Min(x0, xTicks[0]), Math.Max(x1, xTicks[^1]));
        (y0, y1) = (Math.Min(y0, yTicks[0]), Math.Max(y1, yTicks[^1]));
        double X(double x) => Left + (x - x0) / (x1 - x0) * (Width - Left - Right);
        double Y(double y) => Height - Bottom - (y - y0) / (y1 - y0) * (Height - Top - Bottom);
        Axes(sb, xTicks.Select(t => (X(t), Label(t))), yTicks.Select(t => (Y(t), Label(t))), xLabel, yLabel);

        foreach (var fit in fits ?? [])
        {
            if (!double.IsFinite(fit.Slope) || !double.IsFinite(fit.Intercept)) continue;
            var (a, b) = ClipLine(fit.Slope, fit.Intercept, x0, x1, y0, y1);
            if (a is null || b is null) continue;
            sb.Append(Invariant($"<line x1=\"{X(a.Value.X):F1}\" y1=\"{Y(a.Value.Y):F1}\" x2=\"{X(b.Value.X):F1}\" y2=\"{Y(b.Value.Y):F1}\" stroke=\"{fit.Color}\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"><title>{Encode(fit.Name)}</title></line>"));
        }
        foreach (var s in series)
        {
            var finite = s.Points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
            if (s.Line && finite.Count > 1)
            {
                sb.Append("<polyline fill=\"none\" stroke=\"").Append(s.Color).Append("\" stroke-width=\"1.5\" points=\"");
                foreach (var p in finite) sb.Append(Invariant($"{X(p.X):F1},{Y(p.Y):F1} "));
                sb.Append("\"><title>").Append(Encode(s.Name)).Append("</title></polyline>");
            }
            if (s.Markers || finite.Count == 1)
            {
                foreach (var p in finite)
                {
                    sb.Append(Invariant($"<circle cx=\"{X(p.X):F1}\" cy=\"{Y(p.Y):F1}\" r=\"3.5\" fill=\"{s.Color}\" fill-opacity=\"0.8\"><title>{Encode(s.Name)}: ({Label(p.X)}, {Label(p.Y)})</title></circle>"));
                }
            }
        }
        Legend(sb, series.Select(s => (s.Name, s.Color)).Concat((fits ?? []).Where(f => double.IsFinite(f.Slope)).Select(f => (f.Name, f.Color))).ToList());
        return Close(sb);
    }

    /// <summary>Each category's values as dots, with a bar for the mean and whiskers for ± one standard deviation.</summary>
    public static string Dots(string title, string yLabel, IReadOnlyList<Category> categories)
    {
        var sb = Open(title);
        var values = categories.SelectMany(c => c.Values.Concat(c.Mean is { } m && c.StandardDeviation is { } s ? [m - s, m + s] : []))
            .Where(double.IsFinite).ToList();
        if (values.Count == 0) return Empty(sb);
        var (y0, y1) = Range(values);
        var yTicks = Ticks(y0, y1);
        (y0, y1) = (Math.Min(y0, yTicks[0]), Math.Max(y1, yTicks[^1]));
        double Y(double y) => Height - Bottom - (y - y0) / (y1 - y0) * (Height - Top - Bottom);
        var band = (Width - Left - Right) / (double)Math.Max(1, categories.Count);
        double X(int i) => Left + band * (i + 0.5);
        Axes(sb, categories.Select((c, i) => (X(i), c.Name)), yTicks.Select(t => (Y(t), Label(t))), "", yLabel);
        for (var i = 0; i < categories.Count; i++)
        {
            var c = categories[i];
            var values1 = c.Values.Where(double.IsFinite).ToList();
            for (var k = 0; k < values1.Count; k++)
            {
                var jitter = values1.Count == 1 ? 0 : (k / (double)(values1.Count - 1) - 0.5) * band * 0.3;
                sb.Append(Invariant($"<circle cx=\"{X(i) + jitter:F1}\" cy=\"{Y(values1[k]):F1}\" r=\"4\" fill=\"{c.Color}\" fill-opacity=\"0.55\"><title>{Encode(c.Name)}: {Label(values1[k])}</title></circle>"));
            }
            if (c.Mean is { } mean)
            {
                sb.Append(Invariant($"<line x1=\"{X(i) - band * 0.25:F1}\" x2=\"{X(i) + band * 0.25:F1}\" y1=\"{Y(mean):F1}\" y2=\"{Y(mean):F1}\" stroke=\"{c.Color}\" stroke-width=\"3\"><title>mean {Label(mean)}</title></line>"));
                if (c.StandardDeviation is { } sd)
                {
                    sb.Append(Invariant($"<line x1=\"{X(i):F1}\" x2=\"{X(i):F1}\" y1=\"{Y(mean - sd):F1}\" y2=\"{Y(mean + sd):F1}\" stroke=\"{c.Color}\" stroke-width=\"1.5\"><title>± sd {Label(sd)}</title></line>"));
                }
            }
        }
        return Close(sb);
    }

    /// <summary>A confusion matrix: rows true class, columns predicted class, shade by share of the row.</summary>
    public static string Confusion(string title, IReadOnlyList<string> classes, int[,] counts)
    {
        var n = classes.Count;
        var cell = Math.Clamp(320 / Math.Max(1, n), 28, 90);
        var left = 120;
        var top = 60;
        var width = left + cell * n + 20;
        var height = top + cell * n + 20;
        var sb = new StringBuilder();
        sb.Append(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" font-family=\"sans-serif\" font-size=\"12\">"));
        sb.Append("<title>").Append(Encode(title)).Append("</title>");
        sb.Append(Invariant($"<text x=\"{left}\" y=\"16\" font-size=\"14\" font-weight=\"bold\">{Encode(title)}</text>"));
        sb.Append(Invariant($"<text x=\"{left + cell * n / 2}\" y=\"36\" text-anchor=\"middle\">predicted</text>"));
        for (var r = 0; r < n; r++)
        {
            var rowTotal = Enumerable.Range(0, n).Sum(c => counts[r, c]);
            sb.Append(Invariant($"<text x=\"{left - 6}\" y=\"{top + cell * r + cell / 2 + 4}\" text-anchor=\"end\">{Encode(Truncate(classes[r]))}</text>"));
            for (var c = 0; c < n; c++)
            {
                var share = rowTotal > 0 ? counts[r, c] / (double)rowTotal : 0;
                var x = left + cell * c;
                var y = top + cell * r;
                sb.Append(Invariant($"<rect x=\"{x}\" y=\"{y}\" width=\"{cell}\" height=\"{cell}\" fill=\"#1f77b4\" fill-opacity=\"{0.08 + 0.85 * share:F3}\" stroke=\"#fff\"/>"));
                sb.Append(Invariant($"<text x=\"{x + cell / 2}\" y=\"{y + cell / 2 + 4}\" text-anchor=\"middle\" fill=\"{(share > 0.5 ? "#fff" : "#222")}\">{counts[r, c]}</text>"));
            }
        }
        for (var c = 0; c < n; c++)
        {
            sb.Append(Invariant($"<text x=\"{left + cell * c + cell / 2}\" y=\"{top - 6}\" text-anchor=\"middle\">{Encode(Truncate(classes[c]))}</text>"));
        }
        sb.Append(Invariant($"<text x=\"12\" y=\"{top + cell * n / 2}\" transform=\"rotate(-90 12 {top + cell * n / 2})\" text-anchor=\"middle\">true</text>"));
        return sb.Append("</svg>").ToString();
    }

    /// <summary>Tick values at 1, 2 or 5 × 10^k covering [min, max].</summary>
    internal static double[] Ticks(double min, double max, int target = 5)
    {
        if (max <= min)
        {
            var pad = min == 0 ? 1 : Math.Abs(min) * 0.1;
            (min, max) = (min - pad, max + pad);
        }
        var raw = (max - min) / target;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var step = new[] { 1, 2, 5, 10 }.Select(f => f * magnitude).First(s => s >= raw);
        // Ticks are k·step for whole k, so rounding never accumulates; k is nudged until they cover [min, max].
        var k0 = (long)Math.Floor(min / step);
        while (k0 * step > min) k0--;
        var k1 = (long)Math.Ceiling(max / step);
        while (k1 * step < max) k1++;
        var ticks = new List<double>();
        for (var k = k0; k <= k1 && ticks.Count < 50; k++) ticks.Add(k * step);
        return [.. ticks];
    }

    private static (double Min, double Max) Range(IEnumerable<double> values)
    {
        var list = values.ToList();
        return (list.Min(), list.Max());
    }

    private static StringBuilder Open(string title)
    {
        var sb = new StringBuilder();
        sb.Append(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {Width} {Height}\" width=\"{Width}\" height=\"{Height}\" role=\"img\" font-family=\"sans-serif\" font-size=\"11\">"));
        sb.Append("<title>").Append(Encode(title)).Append("</title>");
        sb.Append(Invariant($"<text x=\"{Left}\" y=\"18\" font-size=\"14\" font-weight=\"bold\">{Encode(title)}</text>"));
        return sb;
    }

    private static string Close(StringBuilder sb) => sb.Append("</svg>").ToString();

    private static string Empty(StringBuilder sb) =>
        Close(sb.Append(Invariant($"<text x=\"{Width / 2}\" y=\"{Height / 2}\" text-anchor=\"middle\" fill=\"#888\">no data yet</text>")));

    private static void Axes(StringBuilder sb, IEnumerable<(double Position, string Label)> xTicks, IEnumerable<(double Position, string Label)> yTicks, string xLabel, string yLabel)
    {
        var bottom = Height - Bottom;
        sb.Append(Invariant($"<line x1=\"{Left}\" y1=\"{bottom}\" x2=\"{Width - Right}\" y2=\"{bottom}\" stroke=\"#444\"/>"));
        sb.Append(Invariant($"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{bottom}\" stroke=\"#444\"/>"));
        foreach (var (x, label) in xTicks)
        {
            sb.Append(Invariant($"<line x1=\"{x:F1}\" y1=\"{bottom}\" x2=\"{x:F1}\" y2=\"{bottom + 4}\" stroke=\"#444\"/>"));
            sb.Append(Invariant($"<text x=\"{x:F1}\" y=\"{bottom + 16}\" text-anchor=\"middle\">{Encode(Truncate(label))}</text>"));
        }
        foreach (var (y, label) in yTicks)
        {
            sb.Append(Invariant($"<line x1=\"{Left - 4}\" y1=\"{y:F1}\" x2=\"{Width - Right}\" y2=\"{y:F1}\" stroke=\"#e4e4e4\"/>"));
            sb.Append(Invariant($"<text x=\"{Left - 7}\" y=\"{y + 4:F1}\" text-anchor=\"end\">{Encode(label)}</text>"));
        }
        if (xLabel.Length > 0) sb.Append(Invariant($"<text x=\"{(Left + Width - Right) / 2}\" y=\"{Height - 10}\" text-anchor=\"middle\">{Encode(xLabel)}</text>"));
        if (yLabel.Length > 0)
        {
            var middle = (Top + bottom) / 2;
            sb.Append(Invariant($"<text x=\"14\" y=\"{middle}\" transform=\"rotate(-90 14 {middle})\" text-anchor=\"middle\">{Encode(yLabel)}</text>"));
        }
    }

    private static void Legend(StringBuilder sb, IReadOnlyList<(string Name, string Color)> entries)
    {
        var x = Width - Right - 8.0;
        var y = Top + 4.0;
        foreach (var (name, color) in entries.Take(10))
        {
            sb.Append(Invariant($"<rect x=\"{x - 10:F1}\" y=\"{y - 8:F1}\" width=\"10\" height=\"10\" fill=\"{color}\"/>"));
            sb.Append(Invariant($"<text x=\"{x - 14:F1}\" y=\"{y + 1:F1}\" text-anchor=\"end\">{Encode(Truncate(name, 40))}</text>"));
            y += 15;
        }
    }

    private static ((double X, double Y)? A, (double X, double Y)? B) ClipLine(double slope, double intercept, double x0, double x1, double y0, double y1)
    {
        // The segment of y = slope·x + intercept inside the plotted box, or nothing when it misses the box.
        var candidates = new List<(double X, double Y)> { (x0, slope * x0 + intercept), (x1, slope * x1 + intercept) };
        if (slope != 0)
        {
            candidates.Add(((y0 - intercept) / slope, y0));
            candidates.Add(((y1 - intercept) / slope, y1));
        }
        var inside = candidates.Where(p => p.X >= x0 - 1e-12 && p.X <= x1 + 1e-12 && p.Y >= y0 - 1e-12 && p.Y <= y1 + 1e-12).OrderBy(p => p.X).ToList();
        return inside.Count >= 2 ? (inside[0], inside[^1]) : (null, null);
    }

    internal static string Label(double v) =>
        v == 0 ? "0" : Math.Abs(v) is >= 1e-3 and < 1e5 ? v.ToString("G4", CultureInfo.InvariantCulture) : v.ToString("0.##E0", CultureInfo.InvariantCulture);

    private static string Truncate(string s, int max = 18) => s.Length <= max ? s : s[..(max - 1)] + "…";

    private static string Encode(string s) => WebUtility.HtmlEncode(s);

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
