// Small browser helpers the workbench calls through JS interop (no inline scripts: the CSP forbids them).
window.bidoraWorkbench = {
  setTheme: function (theme) {
    document.cookie = "bidora.theme=" + (theme === "dark" ? "dark" : "light") + "; path=/; max-age=31536000; samesite=strict";
  },
  // Saves text the server produced (a CSV of predictions) as a file, through a blob URL ('blob:' is allowed by the CSP).
  download: function (fileName, content, type) {
    const url = URL.createObjectURL(new Blob([content], { type: type || "text/plain" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = fileName;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }
};
