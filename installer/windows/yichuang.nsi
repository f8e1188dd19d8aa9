; 一窗受理工作站 — the Windows x64 installer (NSIS 3, built on Linux by `make windows` with
; Debian's makensis). Per-machine: program files in Program Files, the machine's config in
; %ProgramData%\yichuang\workstation.toml, a Start-menu entry, an uninstaller registered in
; Add/Remove Programs.
;
; Silent provisioning (IT):  setup.exe /S /HALL=441500 /HALLNAME=某市政务服务中心 /WINDOW=5
;   /BACKEND=https://… [/CAFILE=… /PIN=… /QUEUE=… /MONITOR=… /IDCARD=COM3 /SCANNER=usb
;   /RECEIPT=192.0.2.50:9100 /A4PRINTER=hall-a4 /UKEY=skf:C:\…\x.dll;pkcs11:C:\…\y.dll …]
; or setup.exe /S /CONFIG=C:\path\workstation.toml. Without settings an existing machine
; config is kept (upgrades). The settings are turned into the config and checked by the
; workstation program itself (`--provision`, core's provision module) from the installer's
; temporary folder BEFORE anything is installed: a missing or bad setting stops the install
; with exit code 2 and the setting's name in the log (/LOG=<file>, default
; %TEMP%\yichuang-install.log, UTF-16) and on the console.
;
; Build-time defines: DIST (folder of the files to install), OUTFILE, VERSION, ICON and,
; optionally, WEBVIEW2_INSTALLER (Microsoft's offline "Evergreen Standalone Installer" x64,
; MicrosoftEdgeWebView2RuntimeInstallerX64.exe): embedded and run silently when the runtime
; is missing. Without it a missing runtime stops the install unless /WEBVIEW2=skip is given.

Unicode true
Target amd64-unicode
ManifestDPIAware true
RequestExecutionLevel admin
SetCompressor /SOLID lzma

!include MUI2.nsh
!include FileFunc.nsh
!include LogicLib.nsh
!include x64.nsh
!include "messages.nsh"

!ifndef DIST
  !error "define DIST: the folder with yichuang-workstation.exe and the other files to install"
!endif
!ifndef OUTFILE
  !define OUTFILE "yichuang-workstation-setup.exe"
!endif
!ifndef VERSION
  !define VERSION "0.0.0"
!endif

!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\cn.yichuang.workstation"
!define WEBVIEW2_GUID "{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}"
!define APP_EXE "yichuang-workstation.exe"

Name "${PRODUCT_NAME}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\yichuang"
BrandingText "${PRODUCT_NAME} ${VERSION}"
VIProductVersion "${VERSION}.0"
VIAddVersionKey /LANG=2052 "ProductName" "${PRODUCT_NAME}"
VIAddVersionKey /LANG=2052 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=2052 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=2052 "FileDescription" "${PRODUCT_NAME}"
VIAddVersionKey /LANG=2052 "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=2052 "LegalCopyright" "Apache-2.0"

!ifdef ICON
  !define MUI_ICON "${ICON}"
  !define MUI_UNICON "${ICON}"
!endif
!define MUI_FINISHPAGE_RUN "$INSTDIR\${APP_EXE}"
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "SimpChinese"

Var Params
Var LogFile
Var NeedWebView2

; Writes $R9 to the log (UTF-16LE, as Notepad reads it) and to the console the installer was
; started from, if any.
Function Log
  Push $0
  Push $1
  Push $2
  ClearErrors
  FileOpen $0 "$LogFile" a
  ${IfNot} ${Errors}
    FileSeek $0 0 END $1
    ${If} $1 == 0
      FileWriteWord $0 0xFEFF
    ${EndIf}
    FileWriteUTF16LE $0 "$R9$\r$\n"
    FileClose $0
  ${EndIf}
  System::Call 'kernel32::AttachConsole(i -1) i .r0'
  ${If} $0 != 0
    System::Call 'kernel32::GetStdHandle(i -11) p .r1'
    StrLen $2 "$R9$\r$\n"
    System::Call 'kernel32::WriteConsoleW(p r1, w "$R9$\r$\n", i r2, *i .r0, p 0)'
  ${EndIf}
  Pop $2
  Pop $1
  Pop $0
FunctionEnd

; Stops the install with the message in $R9: nothing has been installed when this runs.
Function Fail
  Call Log
  ${IfNot} ${Silent}
    MessageBox MB_ICONSTOP|MB_OK "$R9"
  ${EndIf}
  SetErrorLevel 2
  Quit
FunctionEnd

Function .onInit
  SetShellVarContext all
  ${GetParameters} $Params
  ClearErrors
  ${GetOptions} $Params "/LOG=" $LogFile
  ${If} ${Errors}
  ${OrIf} $LogFile == ""
    StrCpy $LogFile "$TEMP\yichuang-install.log"
  ${EndIf}
  ${IfNot} ${RunningX64}
    StrCpy $R9 "${MSG_NOT_64BIT}"
    Call Fail
  ${EndIf}
  SetRegView 64
  InitPluginsDir

  ; The settings become the config, checked by the workstation program itself.
  SetOutPath "$PLUGINSDIR\check"
  File "${DIST}\${APP_EXE}"
  !if /FileExists "${DIST}\WebView2Loader.dll"
    File "${DIST}\WebView2Loader.dll"
  !endif
  nsExec::ExecToStack '"$PLUGINSDIR\check\${APP_EXE}" --provision "$PLUGINSDIR\workstation.toml" --report "$PLUGINSDIR\report.txt" --existing "$APPDATA\yichuang\workstation.toml" -- $Params'
  Pop $0
  Pop $1
  SetOutPath "$PLUGINSDIR"
  ${If} $0 != 0
    ${If} ${FileExists} "$PLUGINSDIR\report.txt"
      ; Line 1: the setting, line 2: the Chinese message (UTF-16LE, from core's messages).
      FileOpen $2 "$PLUGINSDIR\report.txt" r
      FileReadWord $2 $3
      FileReadUTF16LE $2 $3
      FileReadUTF16LE $2 $R9
      FileClose $2
      StrCpy $R8 $R9 2 -2
      ${If} $R8 == "$\r$\n"
        StrCpy $R9 $R9 -2
      ${EndIf}
    ${Else}
      StrCpy $R9 "${MSG_CHECK_FAILED}$0 $1"
    ${EndIf}
    Call Fail
  ${EndIf}

  ; WebView2 Evergreen runtime: per-machine (64-bit view of the WOW6432Node key) or per-user.
  StrCpy $NeedWebView2 0
  ReadRegStr $0 HKLM "SOFTWARE\WOW6432Node\Microsoft\EdgeUpdate\Clients\${WEBVIEW2_GUID}" "pv"
  ${If} $0 == ""
  ${OrIf} $0 == "0.0.0.0"
    ReadRegStr $0 HKCU "Software\Microsoft\EdgeUpdate\Clients\${WEBVIEW2_GUID}" "pv"
  ${EndIf}
  ${If} $0 == ""
  ${OrIf} $0 == "0.0.0.0"
    StrCpy $NeedWebView2 1
    !ifndef WEBVIEW2_INSTALLER
      ClearErrors
      ${GetOptions} $Params "/WEBVIEW2=" $1
      ${If} $1 == "skip"
        StrCpy $R9 "${MSG_WEBVIEW2_SKIPPED}"
        Call Log
      ${Else}
        StrCpy $R9 "${MSG_WEBVIEW2_MISSING}"
        Call Fail
      ${EndIf}
    !endif
  ${EndIf}
FunctionEnd

Section "Install"
  SetShellVarContext all
  !ifdef WEBVIEW2_INSTALLER
    ${If} $NeedWebView2 == 1
      File "/oname=$PLUGINSDIR\MicrosoftEdgeWebView2RuntimeInstallerX64.exe" "${WEBVIEW2_INSTALLER}"
      ExecWait '"$PLUGINSDIR\MicrosoftEdgeWebView2RuntimeInstallerX64.exe" /silent /install' $0
      ${If} $0 != 0
        StrCpy $R9 "${MSG_WEBVIEW2_FAILED}$0"
        Call Fail
      ${EndIf}
    ${EndIf}
  !endif

  ; The machine's data folder: each clerk account keeps its store, logs and keys in its own
  ; subfolder, which the app creates. SYSTEM and Administrators full; CREATOR OWNER full on
  ; what a user creates; Users may list and add a folder here but inherit nothing, so no
  ; account reads another's (the default %ProgramData% ACL lets every user read everything).
  ; Before anything else is installed: a machine where this fails gets nothing half-done.
  CreateDirectory "$APPDATA\yichuang\data"
  nsExec::ExecToStack 'icacls "$APPDATA\yichuang\data" /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F *S-1-3-0:(OI)(CI)(IO)F *S-1-5-32-545:(RX,AD)'
  Pop $0
  Pop $1
  ${If} $0 != 0
    StrCpy $R9 "${MSG_DATA_ACL_FAILED}$0 $1"
    Call Fail
  ${EndIf}

  SetOutPath "$INSTDIR"
  File "${DIST}\*.*"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateDirectory "$APPDATA\yichuang"
  CopyFiles /SILENT "$PLUGINSDIR\workstation.toml" "$APPDATA\yichuang\workstation.toml"
  ; Only administrators change the machine's config; users (the app) read it.
  nsExec::ExecToStack 'icacls "$APPDATA\yichuang\workstation.toml" /inheritance:r /grant:r *S-1-5-32-544:F *S-1-5-18:F *S-1-5-32-545:R'
  Pop $0
  Pop $1

  CreateShortCut "$SMPROGRAMS\${PRODUCT_NAME}.lnk" "$INSTDIR\${APP_EXE}"

  WriteRegStr HKLM "${UNINST_KEY}" "DisplayName" "${PRODUCT_NAME}"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINST_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\${APP_EXE}"
  WriteRegStr HKLM "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD HKLM "${UNINST_KEY}" "EstimatedSize" $0

  StrCpy $R9 "${MSG_DONE}$APPDATA\yichuang\workstation.toml"
  Call Log
SectionEnd

Function un.onInit
  SetShellVarContext all
  SetRegView 64
FunctionEnd

; The machine's config and data in %ProgramData%\yichuang stay: a reinstall finds them.
Section "Uninstall"
  SetShellVarContext all
  Delete "$SMPROGRAMS\${PRODUCT_NAME}.lnk"
  Delete "$INSTDIR\*.exe"
  Delete "$INSTDIR\*.dll"
  Delete "$INSTDIR\*.toml"
  RMDir "$INSTDIR"
  DeleteRegKey HKLM "${UNINST_KEY}"
SectionEnd
