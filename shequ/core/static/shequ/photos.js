// Photos are made smaller in the browser before they are sent. A phone's photo is 3–8 MB;
// over a weak mobile connection six of them took minutes, or ran past the server's time
// limit. Each JPEG, PNG or WebP chosen in any file field is redrawn at no more than
// the longest side the server keeps (SHEQU_PHOTO_MAX_SIDE, given in a meta tag) as a JPEG, which is
// usually a tenth of the original. A file the browser cannot draw (HEIC on some phones),
// a video, or a photo that would not get smaller is sent as it was chosen: the server
// checks everything again either way. A form sent while photos are still being made
// smaller waits for them and then goes.
(function () {
  var meta = document.querySelector('meta[name="shequ-photo-side"]');
  var SIDE = meta ? Number(meta.content) : 2560;
  var SMALL_ENOUGH = 1024 * 1024; // a photo under 1 MB and SIDE is sent as it is
  if (!window.createImageBitmap || typeof DataTransfer === "undefined") return;

  function mb(bytes) { return (bytes / 1048576).toFixed(1) + " MB"; }

  function shrink(file) {
    if (!/^image\/(jpeg|png|webp)$/.test(file.type)) return Promise.resolve(file);
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      var scale = Math.min(1, SIDE / Math.max(bitmap.width, bitmap.height));
      if (scale === 1 && file.size <= SMALL_ENOUGH) { bitmap.close(); return file; }
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(bitmap.width * scale));
      canvas.height = Math.max(1, Math.round(bitmap.height * scale));
      var context = canvas.getContext("2d");
      context.fillStyle = "#fff"; // a transparent PNG gets the white ground the server gives it
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      bitmap.close();
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          if (!blob || blob.size >= file.size) { resolve(file); return; }
          var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          resolve(new File([blob], name, { type: "image/jpeg", lastModified: file.lastModified }));
        }, "image/jpeg", 0.85);
      });
    }).catch(function () { return file; });
  }

  function note(input, text) {
    var el = input.parentNode.querySelector(".photo-shrink");
    if (!el) {
      el = document.createElement("span");
      el.className = "photo-shrink hint";
      el.setAttribute("role", "status");
      input.insertAdjacentElement("afterend", el);
    }
    el.textContent = text;
  }

  var pending = new WeakMap(); // form → the submitter pressed while photos were being made smaller

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "file" || !input.files.length) return;
    var chosen = Array.prototype.slice.call(input.files);
    if (!chosen.some(function (f) { return /^image\//.test(f.type); })) return;
    var round = (Number(input.dataset.shrinkRound) || 0) + 1;
    input.dataset.shrinkRound = String(round);
    input.dataset.shrinking = "1";
    note(input, "正在压缩照片…");
    Promise.all(chosen.map(shrink)).then(function (sent) {
      if (input.dataset.shrinkRound !== String(round)) return; // chosen again meanwhile
      var before = 0, after = 0, changed = 0;
      var files = new DataTransfer();
      sent.forEach(function (file, i) {
        before += chosen[i].size; after += file.size;
        if (file !== chosen[i]) changed += 1;
        files.items.add(file);
      });
      if (changed) input.files = files.files;
      delete input.dataset.shrinking;
      note(input, changed ? "已压缩 " + changed + " 张照片：" + mb(before) + " → " + mb(after) : "");
      var form = input.form;
      if (form && pending.has(form) && !form.querySelector("input[data-shrinking]")) {
        var submitter = pending.get(form);
        pending.delete(form);
        form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
      }
    });
  });

  // Capturing on the document runs before htmx's and the browser's own handling of the form.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.querySelector("input[data-shrinking]")) return;
    event.preventDefault();
    event.stopPropagation();
    pending.set(form, event.submitter || null);
    note(form.querySelector("input[data-shrinking]"), "正在压缩照片，完成后自动提交…");
  }, true);
})();
