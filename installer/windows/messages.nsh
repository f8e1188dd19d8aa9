; 一窗受理工作站 installer: every sentence IT reads, in one table (the script holds none).
!define PRODUCT_NAME "一窗受理工作站"
!define PUBLISHER "一窗受理工作站项目"
!define MSG_CHECK_FAILED "安装失败：无法运行配置检查程序（yichuang-workstation.exe --provision），退出码："
!define MSG_WEBVIEW2_MISSING "安装失败：本机没有 Microsoft Edge WebView2 运行时，工作站无法显示界面。请先安装 WebView2 运行时（离线安装包见安装说明），或使用内置 WebView2 离线安装包的安装程序。"
!define MSG_WEBVIEW2_SKIPPED "注意：本机没有 Microsoft Edge WebView2 运行时（已按 /WEBVIEW2=skip 跳过）；安装运行时之前工作站无法启动。"
!define MSG_WEBVIEW2_FAILED "安装失败：WebView2 运行时安装程序未成功，退出码："
!define MSG_NOT_64BIT "安装失败：一窗受理工作站只支持 64 位 Windows。"
!define MSG_DONE "安装完成，配置已写入："
